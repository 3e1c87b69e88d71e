"""Scheduled greenwire runs against a real Prefect server (docs/deployment.md).

Two ways to get the daily run: `serve` below (one long-running process registers the deployment
and executes its runs, on one host), or prefect.yaml at the repo root with a `process` work pool
and `prefect worker start`. Both name the deployment `greenwire/greenwire-daily`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.schedules import Schedule

FLOW_NAME = "greenwire"  # the @flow name in flows/pipeline.py; kept here so importing this is cheap
DEPLOYMENT_NAME = "greenwire-daily"
WORK_POOL = "greenwire"
# A scheduled run that finds a manual run holding the warehouse queues behind it this long
# instead of failing at once (prefect.yaml sets the same).
WAIT_SECONDS = 900
TIMEZONE = "UTC"  # the same zone as prefect.yaml, so both paths fire at the same moment
SERVER_HINT = (
    "start one with `.venv/bin/prefect server start --host 127.0.0.1 --port 4200`, then "
    "`export PREFECT_API_URL=http://127.0.0.1:4200/api` (docs/deployment.md)"
)


class ServeError(RuntimeError):
    """`serve` cannot start: no Prefect server to register with, or a cron it rejects."""


def full_name(name: str = DEPLOYMENT_NAME) -> str:
    """The name Prefect's CLI and `run_deployment` take: full_name() == "greenwire/greenwire-daily"."""
    return f"{FLOW_NAME}/{name}"


def flow_parameters(input_dir: str | Path | None = None, warehouse_dir: str | Path | None = None) -> dict[str, Any]:
    """Deployment parameters, paths made absolute: flow_parameters("seeds/raw")["input_dir"] == "/…/seeds/raw"."""
    # Runs start in another process and folder; None keeps the flow's own default at run time.
    return {
        "input_dir": str(Path(input_dir).resolve()) if input_dir else None,
        "warehouse_dir": str(Path(warehouse_dir).resolve()) if warehouse_dir else None,
        "wait_seconds": WAIT_SECONDS,
    }


def check_server(timeout: float = 10.0) -> str:
    """The URL of a Prefect API that answers, else ServeError: check_server() == "http://127.0.0.1:4200/api"."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    url: str | None = PREFECT_API_URL.value()
    if not url:
        # Without it Prefect would start a temporary server that dies with this process,
        # taking the deployment and its schedule with it.
        raise ServeError(f"PREFECT_API_URL is not set: scheduled runs need a running Prefect server; {SERVER_HINT}")
    # Prefect's own client, so a server behind auth or TLS settings is checked as Prefect will see it.
    with get_client(httpx_settings={"timeout": timeout}, sync_client=True) as client:
        error = client.api_healthcheck()
    if error is not None:
        raise ServeError(f"no Prefect server answers at PREFECT_API_URL={url} ({type(error).__name__}); {SERVER_HINT}")
    return url


def schedule(cron: str | None = None) -> Schedule:
    """The deployment's schedule, default GREENWIRE_SCHEDULE: schedule("0 6 * * *") fires daily at 06:00 UTC."""
    from prefect.schedules import Cron

    from flows import settings

    try:
        return Cron(cron or settings.load().schedule, timezone=TIMEZONE)
    except ValueError as exc:
        raise ServeError(str(exc).splitlines()[0]) from None


def serve(
    name: str = DEPLOYMENT_NAME,
    cron: str | None = None,
    input_dir: str | Path | None = None,
    warehouse_dir: str | Path | None = None,
) -> None:
    """Register greenwire/<name> and run it on schedule until stopped: serve(cron="0 6 * * *")."""
    check_server()
    run_schedule = schedule(cron)  # a bad cron fails here, before anything is registered
    from flows.pipeline import greenwire_flow

    # Stopping (Ctrl-C, SIGTERM) pauses the schedule, so no runs pile up while nobody serves them.
    greenwire_flow.serve(
        name=name,
        schedules=[run_schedule],
        parameters=flow_parameters(input_dir, warehouse_dir),
        pause_on_shutdown=True,
    )
