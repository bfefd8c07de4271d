"""The domain the services share: models, schemas, rules, and the plumbing every service runs on."""

from importlib.metadata import version

# The one version: every workspace package's pyproject, the chart and the frontend say the same
# (tests/deploy/test_versions.py); the services report this one.
__version__ = version("todo-core")
