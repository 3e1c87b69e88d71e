"""Reach a Dask scheduler before a cluster run does any work (`greenwire run --cluster`).

Apart from flows.scaleout, and without Prefect: the CLI probes the scheduler before the flow starts,
and Prefect must not be imported before then, or its settings are read before the run has put its
temporary API's address in PREFECT_API_URL (flows/ops/api.py) and the run starts a second API.
"""

from __future__ import annotations

from dataclasses import dataclass


class ClusterUnreachable(RuntimeError):
    """The Dask scheduler could not be reached, or has no workers: nothing was started."""


@dataclass(frozen=True)
class Cluster:
    address: str
    workers: int
    dashboard: str | None


def probe(address: str, timeout: float = 10.0) -> Cluster:
    """Connect to the scheduler once, before any work: `probe("tcp://127.0.0.1:8786")` ->
    Cluster(address, workers=2, dashboard="http://127.0.0.1:8787/status"); ClusterUnreachable otherwise."""
    from distributed import Client

    try:
        # distributed's Client is not annotated: mypy --strict refuses the call
        with Client(address, timeout=timeout, set_as_default=False) as client:  # type: ignore[no-untyped-call]
            workers = len(client.scheduler_info().get("workers", {}))
            try:
                dashboard = client.dashboard_link
            except Exception:  # a scheduler without a dashboard (bokeh not installed, or disabled)
                dashboard = None
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClusterUnreachable(
            f"cannot reach the Dask scheduler at {address} ({reason}); nothing was started: "
            "check the address and that `dask scheduler` is running"
        ) from exc
    if workers == 0:
        raise ClusterUnreachable(
            f"the Dask scheduler at {address} has no workers; start some with `dask worker {address}`"
        )
    return Cluster(address, workers, dashboard)
