"""A realistic Chinese news page around given paragraphs: the chrome real scraped pages carry."""

from __future__ import annotations

import html
import re

NAV = ["首页", "北京", "上海", "重庆", "广东", "四川", "湖北", "浙江"]  # provinces that only the nav bar names
SIDEBAR = ["湖北省召开生态环境保护大会", "四川省新能源汽车产业链签约仪式举行"]


def news_page(
    title: str,
    paragraphs: list[str],
    stamp: str = "时间：2025-09-20",
    canonical: str = "https://news.example.cn/green/c_1130.html",
    minified: bool = False,
) -> str:
    """The page a scraper saves: nav bar, script and CSS strings, sidebar, footer, a stamp line."""
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    nav = "".join(f'<a href="/{i}">{name}</a>' for i, name in enumerate(NAV))
    side = "".join(f'<li><a href="/s{i}">{html.escape(t)}</a></li>' for i, t in enumerate(SIDEBAR))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}_新闻中心_绿色网</title>
<meta name="keywords" content="绿色发展,低碳,上海市,广州市">
<meta property="og:site_name" content="绿色网">
<link rel="canonical" href="{canonical}">
<style>
body {{ font-family: "微软雅黑", "Microsoft YaHei", sans-serif; }}
.nav a {{ color: #333; margin: 0 8px; }}
</style>
<script>
var hot = ["国家电网有限公司", "华为技术有限公司签约", "北京市人民政府"];
document.write("<span>欢迎访问广东省人民政府网站</span>");
</script>
</head>
<body>
<div class="top"><a href="/login">登录</a> | <a href="/reg">注册</a></div>
<div class="nav">{nav}</div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/news">新闻中心</a> &gt; 正文</div>
<div class="main">
<div class="article">
<h1>{html.escape(title)}</h1>
<div class="info">{stamp} 来源：绿色网 作者：记者 张明</div>
<div class="content">
{body}</div>
<div class="editor">责任编辑：李华</div>
</div>
<div class="side"><h3>热点新闻</h3><ul>{side}</ul></div>
</div>
<div class="footer">
<p><a href="/about">关于我们</a> | <a href="/contact">联系我们</a> | <a href="/map">网站地图</a></p>
<p>版权所有 © 2025 绿色网 京ICP备12345678号-1</p>
</div>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); }})();</script>
</body>
</html>
"""
    if minified:
        page = re.sub(r">\s+<", "><", page).replace("\n", " ")
    return page


CHROME = [
    "微软雅黑",
    "Microsoft YaHei",
    "版权所有",
    "ICP备",
    "欢迎访问",
    "国家电网",
    "华为技术",
    "关于我们",
    "登录",
    "热点新闻",
    "湖北省召开",
    "当前位置",
    "责任编辑",
    "_hmt",
    "document.",
    "<",
    ">",
]
