"""`python -m mcp_server`: serve the MCP endpoint and health routes (HOST, PORT, RELOAD from the environment)."""

from mcp_server.settings import get_settings
from todo_core.server import serve

if __name__ == "__main__":
    serve("mcp_server.main:app", get_settings())
