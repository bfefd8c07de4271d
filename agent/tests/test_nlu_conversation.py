"""The local model's moves in context: by-title lookups, ambiguity, "it", answers to questions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.nlu import Step, ToolCall, Turn, next_move

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def task(id: int, title: str, **fields: Any) -> dict[str, Any]:
    return {"id": id, "title": title, "completed": False, "priority": "medium", "due_at": None, "tags": [], **fields}


TASKS = [
    task(3, "Buy groceries"),
    task(4, "Team meeting", priority="high", due_at="2026-11-27T12:00:00+00:00", tags=["work"]),
    task(5, "Groceries for the party", priority="low"),
]


def user(text: str) -> list[Turn]:
    return [Turn("user", text)]


def test_add_then_confirm() -> None:
    history = user("Add a high priority task to file taxes due Friday")
    first = next_move(history, [], NOW)
    assert first.calls == [
        ToolCall("add_task", {"title": "File taxes", "priority": "high", "due_at": "2026-11-27T12:00:00+00:00"})
    ]
    result = {"task_id": 5, "status": "created", "title": "File taxes"}
    reply = next_move(history, [Step("add_task", first.calls[0].arguments, result)], NOW).reply
    assert reply == "Added 'File taxes' (task 5), high priority, due Fri 27 Nov."


def test_list_then_reply() -> None:
    history = user("What's pending?")
    assert next_move(history, [], NOW).calls == [ToolCall("list_tasks", {"status": "pending"})]
    reply = next_move(history, [Step("list_tasks", {"status": "pending"}, TASKS)], NOW).reply
    assert reply is not None
    assert reply.startswith("You have 3 pending tasks:")
    assert "- Team meeting (task 4) — high priority, due Fri 27 Nov, #work" in reply
    empty = next_move(user("What have I completed?"), [Step("list_tasks", {"status": "completed"}, [])], NOW)
    assert empty.reply == "You haven't completed any tasks yet."


def test_list_due_today_filters_locally() -> None:
    history = user("what's due tomorrow?")
    reply = next_move(history, [Step("list_tasks", {"status": "pending"}, TASKS)], NOW).reply
    assert reply is not None and "Team meeting" in reply and "Buy groceries" not in reply


def test_complete_by_id_goes_straight_to_the_tool() -> None:
    history = user("Mark task 3 as complete")
    assert next_move(history, [], NOW).calls == [ToolCall("complete_task", {"task_id": 3})]
    done = {"task_id": 3, "status": "completed", "title": "Buy groceries"}
    reply = next_move(history, [Step("complete_task", {"task_id": 3}, done)], NOW).reply
    assert reply == "Marked 'Buy groceries' (task 3) as done. Nice work!"


def test_several_ids_make_several_calls() -> None:
    move = next_move(user("delete tasks 2 and 5"), [], NOW)
    assert move.calls == [ToolCall("delete_task", {"task_id": 2}), ToolCall("delete_task", {"task_id": 5})]


def test_not_found_is_said_plainly() -> None:
    history = user("complete task 7")
    error = "Error executing tool complete_task: task 7 not found"
    assert next_move(history, [Step("complete_task", {"task_id": 7}, error)], NOW).reply == "I couldn't find task 7."


def test_by_title_lists_with_a_query_then_acts() -> None:
    history = user("Delete the meeting task")
    first = next_move(history, [], NOW)
    assert first.calls == [ToolCall("list_tasks", {"status": "all", "query": "meeting"})]
    second = next_move(history, [Step("list_tasks", first.calls[0].arguments, [TASKS[1]])], NOW)
    assert second.calls == [ToolCall("delete_task", {"task_id": 4})]


def test_by_title_falls_back_to_the_full_list_when_the_search_word_misses() -> None:
    history = user("I finished buying groceries")
    first = next_move(history, [], NOW)
    assert first.calls == [ToolCall("list_tasks", {"status": "all", "query": "groceries"})]
    steps = [Step("list_tasks", {"status": "all", "query": "groceries"}, [])]
    assert next_move(history, steps, NOW).calls == [ToolCall("list_tasks", {"status": "all"})]
    steps.append(Step("list_tasks", {"status": "all"}, [task(8, "Buy grocery items")]))
    assert next_move(history, steps, NOW).calls == [ToolCall("complete_task", {"task_id": 8})]


def test_by_title_with_no_match_says_so() -> None:
    history = user("delete the dentist task")
    steps = [
        Step("list_tasks", {"status": "all", "query": "dentist"}, []),
        Step("list_tasks", {"status": "all"}, TASKS),
    ]
    reply = next_move(history, steps, NOW).reply
    assert reply is not None and reply.startswith("I couldn't find a task matching 'dentist'")


def test_ambiguous_reference_asks_which_one_and_the_answer_completes_it() -> None:
    history = user("I finished the groceries one")
    steps = [Step("list_tasks", {"status": "all", "query": "groceries"}, [TASKS[0], TASKS[2]])]
    question = next_move(history, steps, NOW).reply
    assert question is not None
    assert "Which one should I mark as done?" in question
    assert "- Buy groceries (task 3)" in question and "- Groceries for the party (task 5)" in question
    for answer, expected in [("task 5", 5), ("3", 3), ("the second one", 5), ("the party one", 5), ("#3", 3)]:
        follow_up = [*history, Turn("assistant", question), Turn("user", answer)]
        assert next_move(follow_up, [], NOW).calls == [ToolCall("complete_task", {"task_id": expected})], answer


def test_completing_prefers_the_pending_match() -> None:
    history = user("mark the groceries one done")
    listed = [task(3, "Buy groceries", completed=True), task(9, "Buy groceries")]
    steps = [Step("list_tasks", {"status": "all", "query": "groceries"}, listed)]
    assert next_move(history, steps, NOW).calls == [ToolCall("complete_task", {"task_id": 9})]
    steps = [Step("list_tasks", {"status": "all", "query": "groceries"}, listed[:1])]
    assert next_move(history, steps, NOW).reply == "'Buy groceries' (task 3) is already marked as done."


def test_it_refers_to_the_task_of_the_last_reply() -> None:
    history = [
        Turn("user", "add buy milk"),
        Turn("assistant", "Added 'Buy milk' (task 9)."),
        Turn("user", "make it high priority"),
    ]
    assert next_move(history, [], NOW).calls == [ToolCall("update_task", {"task_id": 9, "priority": "high"})]
    result = {"task_id": 9, "status": "updated", "title": "Buy milk"}
    steps = [Step("update_task", {"task_id": 9, "priority": "high"}, result)]
    assert next_move(history, steps, NOW).reply == "Updated 'Buy milk' (task 9): now high priority."
    history += [Turn("assistant", "Updated 'Buy milk' (task 9): now high priority."), Turn("user", "mark it done")]
    assert next_move(history, [], NOW).calls == [ToolCall("complete_task", {"task_id": 9})]


def test_it_can_come_from_a_tool_result_in_the_history() -> None:
    created = Step("add_task", {"title": "Buy milk"}, {"task_id": 12, "status": "created", "title": "Buy milk"})
    history = [Turn("user", "add buy milk"), Turn("assistant", "Done!", (created,)), Turn("user", "delete it")]
    assert next_move(history, [], NOW).calls == [ToolCall("delete_task", {"task_id": 12})]


def test_it_after_a_list_of_several_asks_which_one() -> None:
    listing = "You have 2 tasks:\n- Buy milk (task 3)\n- Call bob (task 4)"
    history = [Turn("user", "show my tasks"), Turn("assistant", listing), Turn("user", "mark it done")]
    question = next_move(history, [], NOW).reply
    assert question is not None and "Which one should I mark as done?" in question
    answer = [*history, Turn("assistant", question), Turn("user", "call bob")]
    assert next_move(answer, [], NOW).calls == [ToolCall("complete_task", {"task_id": 4})]
    ordinal = [Turn("user", "show my tasks"), Turn("assistant", listing), Turn("user", "delete the first one")]
    assert next_move(ordinal, [], NOW).calls == [ToolCall("delete_task", {"task_id": 3})]


def test_it_without_any_task_in_the_conversation_asks() -> None:
    reply = next_move(user("mark it done"), [], NOW).reply
    assert reply is not None and reply.startswith("Which task do you mean?")


def test_adding_tags_merges_with_the_existing_ones() -> None:
    history = user("tag task 4 with #urgent")
    first = next_move(history, [], NOW)
    assert first.calls == [ToolCall("list_tasks", {"status": "all"})]
    second = next_move(history, [Step("list_tasks", {"status": "all"}, TASKS)], NOW)
    assert second.calls == [ToolCall("update_task", {"task_id": 4, "tags": ["work", "urgent"]})]


def test_update_title_confirmation() -> None:
    history = user("Change task 1 to 'Call mom tonight'")
    first = next_move(history, [], NOW)
    assert first.calls == [ToolCall("update_task", {"task_id": 1, "title": "Call mom tonight"})]
    result = {"task_id": 1, "status": "updated", "title": "Call mom tonight"}
    reply = next_move(history, [Step("update_task", first.calls[0].arguments, result)], NOW).reply
    assert reply == "Renamed task 1 to 'Call mom tonight'."


def test_add_without_title_asks_and_uses_the_answer() -> None:
    history = user("add a task for tomorrow")
    question = next_move(history, [], NOW).reply
    assert question is not None and question.startswith("What should the new task say?")
    answer = [*history, Turn("assistant", question), Turn("user", "call the bank")]
    assert next_move(answer, [], NOW).calls == [
        ToolCall("add_task", {"title": "Call the bank", "due_at": "2026-11-27T12:00:00+00:00"})
    ]


def test_greetings_help_and_unknown_make_no_tool_call() -> None:
    for text, start in [("hello", "Hi!"), ("help", "I manage your todo list"), ("what's the weather?", "I can't"),
                        ("zzz qqq", "Sorry")]:  # fmt: skip
        move = next_move(user(text), [], NOW)
        assert not move.calls
        assert move.reply is not None and move.reply.startswith(start)


def test_other_tool_errors_are_reported() -> None:
    history = user("add buy milk")
    steps = [Step("add_task", {"title": "Buy milk"}, "Error executing tool add_task: The title is too long.")]
    assert next_move(history, steps, NOW).reply == "Sorry, I couldn't add that task. The title is too long."
    # Text that still reads like a library's (an older MCP server) is not shown.
    raw = "Error executing tool add_task: 1 validation error for add_taskArguments\ntitle\n  String should have..."
    steps = [Step("add_task", {"title": "Buy milk"}, raw)]
    assert (
        next_move(history, steps, NOW).reply == "Sorry, I couldn't add that task: the task service refused the request."
    )
