"""Hot reload for `make bench`: the backend's dev server, a source edit to the new response.

The measurement itself is shared with the live-reload test: todo_harness.live_reload.
"""

from __future__ import annotations

from todo_harness.live_reload import measure_backend_reload

from .stack import LOG_DIR


def measure(database_url: str, auth_secret: str, edits: int) -> dict[str, object]:
    """Startup of the reloading dev server, and each edit's seconds to the new response."""
    env = {
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "AUTH_SECRET": auth_secret,
        "LOG_LEVEL": "WARNING",
    }
    return measure_backend_reload(env, edits=edits, edit_timeout=60, log_dir=LOG_DIR)
