"""Headless Chromium driven over the DevTools protocol: load a page, log every request, evaluate, screenshot.

Chromium runs with its network cut (every host name resolves nowhere, no proxy), and the
protocol's Network domain records every request the page makes, so a test can assert that
none left the machine, not merely that the page looked fine without them.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


class Page:
    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0
        self.requests: list[str] = []
        self.events: list[str] = []

    def call(self, method: str, timeout: float = 60, **params) -> dict:
        self.next_id += 1
        ident = self.next_id
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)

    def _event(self, message: dict) -> None:
        method = message.get("method")
        if method == "Network.requestWillBeSent":
            self.requests.append(message["params"]["request"]["url"])
        if method:
            self.events.append(method)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while method not in self.events:
            self._event(json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.1))))

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result["result"].get("value")

    def until(self, expression: str, timeout: float = 60):
        """Evaluate until the value is truthy (charts render after load); returns the last value."""
        deadline = time.monotonic() + timeout
        value = self.evaluate(expression)
        while not value and time.monotonic() < deadline:
            time.sleep(0.25)
            value = self.evaluate(expression)
        return value

    def screenshot(self, path: Path, width: int = 1100) -> None:
        height = self.evaluate("document.documentElement.scrollHeight")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=min(int(height), 8000),
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))


@contextmanager
def open_page(url: str, width: int = 1100):
    """Chromium without network loading `url`; yields the Page after the load event."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed: `apt-get install chromium` (make test does it)")
    profile = Path(tempfile.mkdtemp(prefix="greenwire-chromium-"))
    process = subprocess.Popen(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--no-proxy-server",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            f"--window-size={width},900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            target = next(t for t in json.load(answer) if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            page = Page(socket)
            page.call("Network.enable")
            page.call("Page.enable")
            page.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=False)
            page.call("Page.navigate", url=url)
            page.wait_for("Page.loadEventFired")
            yield page
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def outside(requests: list[str]) -> list[str]:
    """Requests that would leave the machine: anything but file:, data:, blob: and about: URLs."""
    return [url for url in requests if not url.startswith(("file:", "data:", "blob:", "about:"))]
