"""`python -m agent`: serve the chat API (HOST, PORT, RELOAD from the environment)."""

import gc

if __name__ == "__main__":
    # Startup builds ~180k long-lived objects (mostly the SDKs' pydantic models), and the cyclic
    # collector kept rescanning them while importing: ~0.4 s of a ~3 s start. Import with it off,
    # then freeze those objects out of its way for good (the ~1k cycles left over stay, ~1 MiB).
    gc.disable()
    import agent.chat  # the Agents SDK, which the app's lifespan would import otherwise
    import agent.main  # noqa: F401
    from agent.settings import get_settings
    from todo_core.server import serve

    gc.freeze()
    gc.enable()
    serve("agent.main:app", get_settings())
