"""`python -m backend`: serve the REST API (HOST, PORT, RELOAD from the environment)."""

from backend.settings import get_settings
from todo_core.server import serve

if __name__ == "__main__":
    serve("backend.main:app", get_settings())
