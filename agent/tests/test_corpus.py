"""The phrasing corpus (corpus.py, 150+ cases) against the local model's moves.

Tool calls run against a FAKE in-memory task store with the MCP tools' names, arguments and
result shapes (the real MCP server runs for the corpus's end-to-end third: tests/e2e/test_chat_corpus.py).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent.nlu import Step, Turn, next_move

sys.path.insert(0, str(Path(__file__).parent))
from corpus import CASES, GIVEN, Case

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday


class FakeStore:
    """A fake of the MCP server's five tools, for the model-level run."""

    def __init__(self, given: list[dict[str, Any]]) -> None:
        self.tasks: dict[int, dict[str, Any]] = {}
        for spec in given:
            self.add(**{k: v for k, v in spec.items() if k != "completed"})
            if spec.get("completed"):
                self.tasks[len(self.tasks)]["completed"] = True

    def add(self, title: str, **fields: Any) -> dict[str, Any]:
        if len(title) > 200:
            return {"error": f"A title can be at most 200 characters; this one has {len(title)}."}
        task_id = max(self.tasks, default=0) + 1
        self.tasks[task_id] = {"id": task_id, "title": title, "completed": False, "priority": "medium",
                               "due_at": None, "tags": [], **fields}  # fmt: skip
        return {"task_id": task_id, "status": "created", "title": title}

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        if name == "add_task":
            return self.add(**arguments)
        if name == "list_tasks":
            status, query = arguments.get("status", "all"), arguments.get("query")
            return [
                t for t in self.tasks.values()
                if (status == "all" or t["completed"] == (status == "completed"))
                and (not query or query.lower() in t["title"].lower())
                and arguments.get("priority") in (None, t["priority"]) and (arguments.get("tag") in (None, *t["tags"]))
            ]  # fmt: skip
        task = self.tasks.get(arguments["task_id"])
        if task is None:
            return {"error": f"task {arguments['task_id']} not found"}
        if name == "complete_task":
            task["completed"] = True
            return {"task_id": task["id"], "status": "completed", "title": task["title"]}
        if name == "delete_task":
            del self.tasks[task["id"]]
            return {"task_id": task["id"], "status": "deleted", "title": task["title"], "previous": task}
        changes = {k: v for k, v in arguments.items() if k != "task_id"}
        previous = {k: task.get(k) for k in changes}
        task.update(changes)
        return {"task_id": task["id"], "status": "updated", "title": task["title"], "previous": previous}


def run(history: list[Turn], store: FakeStore, now: datetime = NOW) -> tuple[list[Step], str]:
    steps: list[Step] = []
    for _ in range(8):
        move = next_move(history, steps, now)
        if not move.calls:
            return steps, move.reply or ""
        for call in move.calls:
            result = json.loads(json.dumps(store.call(call.name, dict(call.arguments)), default=str))
            steps.append(Step(call.name, call.arguments, result))
    raise AssertionError("the model never answered")


def check(case: Case, calls: list[tuple[str, dict[str, Any]]], reply: str) -> None:
    """What every run of a case (model-level or end to end) must show."""
    assert [name for name, _ in calls] == case.calls, (case.say, calls, reply)
    if case.args:
        last = calls[-1][1]
        assert {k: last.get(k) for k in case.args} == case.args, (case.say, last)
    assert case.reply in reply, (case.say, reply)
    assert not any(raw in reply for raw in ("validation error", "pydantic", "Traceback")), reply


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 150
    assert len({c.say for c in CASES}) == len(CASES), "duplicate phrasings"
    assert sum(c.e2e for c in CASES) * 3 >= len(CASES), "a third of the corpus runs end to end"


@pytest.mark.parametrize("case", CASES, ids=[c.say[:60] for c in CASES])
def test_corpus_against_the_model(case: Case) -> None:
    store = FakeStore(GIVEN)
    steps, reply = run([Turn("user", case.say)], store)
    check(case, [(s.name, s.arguments) for s in steps], reply)
