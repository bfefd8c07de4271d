"""The one launcher behind `python -m <service>`: uvicorn with the service's settings."""

from __future__ import annotations

import uvicorn

from todo_core.logging import logging_config
from todo_core.settings import CommonSettings

# Seconds uvicorn waits for in-flight requests on SIGTERM; the chart's grace period is longer.
GRACEFUL_SHUTDOWN_SECONDS = 20


def serve(app_path: str, settings: CommonSettings, reload_dirs: list[str] | None = None) -> None:
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
    )
