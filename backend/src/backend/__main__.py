"""`python -m backend`: serve the REST API (HOST, PORT, RELOAD from the environment)."""

from backend.settings import get_settings
from todo_core.server import serve

if __name__ == "__main__":
    settings = get_settings()
    serve("backend.main:app", settings, forwarded_allow_ips=settings.FORWARDED_ALLOW_IPS)
