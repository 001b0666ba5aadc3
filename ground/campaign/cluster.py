"""The Dask cluster a campaign runs on: a local one sized to the machine
(one single-threaded worker process per core: a run is Python plus short C
calls, so threads would queue on the GIL), or an existing one by scheduler
address.  Workers need only this package installed: before any run starts,
every worker is asked what it runs, and a worker with another flight
dictionary, or without the package, is a clear error naming it."""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from ground.campaign import CampaignError

CONNECT_TIMEOUT_S = 10.0
WORKERS_TIMEOUT_S = 30.0
_ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://[^\s/]+$")


@dataclass
class ClusterHandle:
    client: object
    cluster: object | None          # the LocalCluster we started, if any
    address: str
    dashboard: str | None

    @property
    def n_workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def _quiet_dask() -> None:
    for name in ("distributed", "distributed.worker", "distributed.nanny", "distributed.scheduler",
                 "distributed.core", "distributed.client", "distributed.comm",
                 "distributed.utils_perf", "tornado", "bokeh"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _has_bokeh() -> bool:
    import importlib.util
    return importlib.util.find_spec("bokeh") is not None


def _dashboard(client) -> str | None:
    """The dashboard link if the scheduler serves one (it needs bokeh; without
    it the scheduler's web server answers only a 'bokeh missing' page)."""
    try:
        services = client.scheduler_info().get("services", {})
        if "dashboard" not in services or not client.run_on_scheduler(_has_bokeh):
            return None
        return client.dashboard_link
    except Exception:             # noqa: BLE001 -- the link is a convenience
        return None


def local_workers_default() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def open_cluster(scheduler: str | None = None, workers: int | None = None,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S,
                 workers_timeout_s: float = WORKERS_TIMEOUT_S) -> ClusterHandle:
    from distributed import Client, LocalCluster

    _quiet_dask()
    if scheduler is None:
        n = workers if workers is not None else local_workers_default()
        if n < 1:
            raise CampaignError(f"--workers must be >= 1, got {n}")
        try:
            # any free port for the dashboard: other clusters may hold 8787
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=":0",
                                   silence_logs=logging.ERROR)
        except Exception as e:     # noqa: BLE001
            raise CampaignError(f"could not start a local Dask cluster of {n} workers: {e}") from None
        client = Client(cluster)
        handle = ClusterHandle(client, cluster, cluster.scheduler_address, _dashboard(client))
    else:
        if workers is not None:
            raise CampaignError("--workers sizes the local cluster only; with --scheduler the "
                                "cluster has the workers it has")
        if not _ADDRESS.match(scheduler):
            raise CampaignError(f"scheduler address {scheduler!r} is not of the form "
                                "tcp://host:port")
        try:
            client = Client(scheduler, timeout=f"{connect_timeout_s}s")
        except (OSError, TimeoutError) as e:
            raise CampaignError(f"cannot reach the Dask scheduler at {scheduler} within "
                                f"{connect_timeout_s:g} s: {e}") from None
        handle = ClusterHandle(client, None, scheduler, _dashboard(client))
        try:
            client.wait_for_workers(1, timeout=workers_timeout_s)
        except (TimeoutError, OSError):
            handle.close()
            raise CampaignError(f"the Dask scheduler at {scheduler} has no workers after "
                                f"{workers_timeout_s:g} s (start some with `dask worker {scheduler}`)") \
                from None
    try:
        check_workers(handle.client)
    except CampaignError:
        handle.close()
        raise
    return handle


def check_workers(client) -> None:
    """Every worker must run this package with the same flight dictionary."""
    from ground.campaign.task import worker_identity

    mine = worker_identity()
    try:
        theirs = client.run(worker_identity)
    except (ImportError, ModuleNotFoundError) as e:
        raise CampaignError(f"a Dask worker cannot import the rover package ({e}); install it "
                            "on every worker (pip install lunar-rover-fsw)") from None
    for addr, info in sorted(theirs.items()):
        if info["dictionary_hash"] != mine["dictionary_hash"]:
            raise CampaignError(f"Dask worker {addr} runs flight dictionary {info['dictionary_hash']}"
                                f", this client {mine['dictionary_hash']}: install the same "
                                "package version on the workers")
        if info["numpy"] != mine["numpy"]:
            raise CampaignError(f"Dask worker {addr} has numpy {info['numpy']}, this client "
                                f"{mine['numpy']}: runs would not reproduce bit for bit")
