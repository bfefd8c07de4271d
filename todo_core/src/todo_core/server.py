"""The one launcher behind `python -m <service>`: uvicorn with the service's settings."""

from __future__ import annotations

import gc
import importlib

import uvicorn

from todo_core.logging import logging_config
from todo_core.settings import CommonSettings

# Seconds uvicorn waits for in-flight requests on SIGTERM; the chart's grace period is longer.
GRACEFUL_SHUTDOWN_SECONDS = 20


def serve(
    app_path: str, settings: CommonSettings, reload_dirs: list[str] | None = None, preload: tuple[str, ...] = ()
) -> None:
    """Serve `module:app`; `preload` names modules the app would import lazily at startup anyway."""
    if not settings.RELOAD:  # with reload, uvicorn imports the app in a worker process instead
        import_frozen([app_path.partition(":")[0], *preload])
    uvicorn.run(
        app_path,
        host=settings.HOST,
        port=settings.PORT,
        reload=settings.RELOAD,
        reload_dirs=reload_dirs if settings.RELOAD else None,
        log_config=logging_config(settings.LOG_LEVEL),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        proxy_headers=False,
        server_header=False,
        ws="none",  # no service speaks WebSocket; "auto" imports a WebSocket implementation
    )


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
