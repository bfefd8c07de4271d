"""`python -m agent`: serve the chat API (HOST, PORT, RELOAD from the environment)."""

from agent.settings import get_settings
from todo_core.server import serve

if __name__ == "__main__":
    serve("agent.main:app", get_settings())
