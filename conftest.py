"""Shared fixtures for every package's tests: see todo_core/src/todo_core/testing/plugin.py."""

pytest_plugins = ["todo_core.testing.plugin"]
