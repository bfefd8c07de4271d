"""The OpenAPI schema is a contract: stable operation ids, and the frontend's typed client matches it."""

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """Built in-process; the settings only need to validate, nothing is connected to."""
    from backend.settings import get_settings

    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", "postgresql://openapi@127.0.0.1:1/openapi")
        env.setenv("ENVIRONMENT", "development")
        get_settings.cache_clear()
        from backend.main import create_app

        spec = create_app().openapi()
    get_settings.cache_clear()
    return spec


def test_operation_ids_are_the_route_names(schema: dict[str, Any]) -> None:
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert ids == {
        "health", "health_ready", "signup", "login", "logout", "me",
        "list_tasks", "create_task", "get_task", "update_task", "delete_task", "toggle_task_complete",
        "chat", "chat_stream", "list_conversations", "list_messages",
    }  # fmt: skip


def test_every_error_status_is_documented_for_user_routes(schema: dict[str, Any]) -> None:
    for path, operations in schema["paths"].items():
        if path.startswith("/api/{user_id}"):
            for method, op in operations.items():
                assert {"401", "403"} <= set(op["responses"]), (method, path)


def test_committed_typescript_client_matches_the_schema(tmp_path: Path) -> None:
    """Fails when the backend's schema changed and `npm run gen:api` was not re-run (the types and
    the form limits the UI reads from the schema: title length, due-date range, default time)."""
    types, limits = tmp_path / "api-types.ts", tmp_path / "api-limits.ts"
    subprocess.run(
        ["bash", str(REPO / "frontend/scripts/gen-api-types.sh")],
        env={**os.environ, "API_TYPES_OUT": str(types), "API_LIMITS_OUT": str(limits)},
        check=True,
        capture_output=True,
        timeout=120,
    )
    for generated in (types, limits):
        committed = (REPO / "frontend/src/lib" / generated.name).read_text()
        assert generated.read_text() == committed, f"frontend/src/lib/{generated.name} is stale: run `npm run gen:api`"


def test_form_limits_come_from_the_rules(schema: dict[str, Any]) -> None:
    from todo_core.models import TITLE_MAX
    from todo_core.schemas import DATE_ONLY_DUE_TIME

    limits = (REPO / "frontend/src/lib/api-limits.ts").read_text()
    assert f"export const TITLE_MAX = {TITLE_MAX};" in limits
    assert f'export const DATE_ONLY_DUE_TIME = "{DATE_ONLY_DUE_TIME}";' in limits
    assert 'export const DUE_FIRST_DAY = "1900-01-01";' in limits


def test_the_chat_limit_is_one_number_in_the_api_the_frontend_and_the_docs(schema: dict[str, Any]) -> None:
    """The chat input's limit comes from the API schema (api-limits.ts); the docs say the same number."""
    from todo_core.limits import MESSAGE_MAX

    assert schema["components"]["schemas"]["ChatIn"]["properties"]["message"]["maxLength"] == MESSAGE_MAX
    limits = (REPO / "frontend/src/lib/api-limits.ts").read_text()
    assert f"export const MESSAGE_MAX = {MESSAGE_MAX};" in limits
    panel = (REPO / "frontend/src/components/ChatPanel.tsx").read_text()
    assert 'import { MESSAGE_MAX } from "@/lib/api-limits"' in panel and "MESSAGE_MAX = " not in panel
    for doc in ("README.md", "docs/architecture.md"):
        assert f"{MESSAGE_MAX:,} characters" in (REPO / doc).read_text(), doc
