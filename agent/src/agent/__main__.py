"""`python -m agent`: serve the chat API (HOST, PORT, RELOAD from the environment)."""

from agent.settings import get_settings
from todo_core.server import serve

if __name__ == "__main__":
    # agent.chat holds the Agents SDK, imported lazily by the app's lifespan: import it up front,
    # with the app, while the collector is off (todo_core.server.import_frozen).
    serve("agent.main:app", get_settings())
