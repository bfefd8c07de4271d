"""The one launcher behind `python -m <service>`: uvicorn with the service's settings."""

from __future__ import annotations

import gc
import importlib
import importlib.util
from pathlib import Path

import uvicorn

from todo_core.logging import logging_config
from todo_core.settings import CommonSettings

# Seconds uvicorn waits for in-flight requests on SIGTERM; the chart's grace period is longer.
GRACEFUL_SHUTDOWN_SECONDS = 20


def serve(app_path: str, settings: CommonSettings, forwarded_allow_ips: str | None = None) -> None:
    """Serve `module:app`.

    `forwarded_allow_ips`: proxies trusted to name the client in X-Forwarded-For (the backend's
    brute-force limits count per client address); None trusts no proxy headers at all.
    """
    if not settings.RELOAD:  # with reload, uvicorn imports the app in a worker process instead
        import_frozen([app_path.partition(":")[0]])
    uvicorn.run(
        app_path,
        host=settings.HOST,
        port=settings.PORT,
        reload=settings.RELOAD,
        reload_dirs=source_dirs(app_path) if settings.RELOAD else None,
        log_config=logging_config(settings.LOG_LEVEL),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        ws="none",  # no service speaks WebSocket; "auto" imports a WebSocket implementation
    )


def source_dirs(app_path: str) -> list[str]:
    """What the reloader watches: the service's own package and todo_core, where they are imported from.

    Without this uvicorn watches its working directory (the repository under `make up`, /app with the
    venv in the dev images), and every log line or cache file written there triggers another reload.
    """
    packages = (app_path.partition(":")[0].split(".")[0], "todo_core")
    return [str(Path(spec.origin).parent) for p in packages if (spec := importlib.util.find_spec(p)) and spec.origin]


def import_frozen(modules: list[str]) -> None:
    """Import with the cyclic garbage collector off, then freeze what the imports built.

    Startup builds 100k+ long-lived objects (mostly the SDKs' and our pydantic models), and the
    collector kept rescanning them while importing (~0.4 s of the agent's ~3 s start, measured with
    gc.callbacks) and would keep doing so for the life of the process. Frozen, it never looks at
    them again; the few cycles left over from importing stay (about a MiB).
    """
    gc.disable()
    try:
        for module in modules:
            importlib.import_module(module)
    finally:
        gc.freeze()
        gc.enable()
