"""Agent test fixtures.

With `--import-mode=importlib` pytest names these files `agent.tests.*` and may register the
`agent/` folder as a namespace package called `agent`, shadowing the real package
(`agent/src/agent`); put the real one back first.
"""

from __future__ import annotations

import importlib
import sys

if getattr(sys.modules.get("agent"), "__file__", None) is None:
    sys.modules.pop("agent", None)
    importlib.import_module("agent")
