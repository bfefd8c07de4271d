"""Test support shared by every package: a real PostgreSQL and the services as real processes.

Loaded for the whole repository by the root `conftest.py` (`pytest_plugins`); see `plugin.py`.
"""
