"""The phrasing corpus: what people say, and what the local model must do with it.

Each case starts from the same four tasks (`GIVEN`, ids 1-4) and says one message. It expects the
tool calls in order (`calls`), optionally a subset of the last call's arguments (`args`) and a
piece of the reply (`reply`). `e2e` cases also run through backend → agent → MCP with the task
state read back over REST (tests/e2e/test_chat_corpus.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GIVEN: list[dict[str, Any]] = [
    {"title": "Buy groceries", "tags": ["errands"]},
    {"title": "Team meeting prep", "priority": "high", "tags": ["work"]},
    {"title": "Pay rent", "completed": True},
    {"title": "Call mom"},
]

L = "list_tasks"


@dataclass(frozen=True)
class Case:
    say: str
    calls: list[str]
    args: dict[str, Any] = field(default_factory=dict)
    reply: str = ""
    e2e: bool = False


def c(say: str, calls: list[str], args: dict[str, Any] | None = None, reply: str = "", e2e: bool = False) -> Case:
    return Case(say, calls, args or {}, reply, e2e)


CASES: list[Case] = [
    # adding one task
    c("Add a task to buy milk", ["add_task"], {"title": "Buy milk"}, "Added 'Buy milk'", e2e=True),
    c("I need to remember to pay bills", ["add_task"], {"title": "Pay bills"}, e2e=True),
    c("remind me to water the plants", ["add_task"], {"title": "Water the plants"}, e2e=True),
    c("new task: email Sarah about the report", ["add_task"], {"title": "Email Sarah about the report"}, e2e=True),
    c(
        "Add a high priority task to file taxes due Friday",
        ["add_task"],
        {"title": "File taxes", "priority": "high"},
        e2e=True,
    ),
    c("add renew passport #admin", ["add_task"], {"title": "Renew passport", "tags": ["admin"]}, e2e=True),
    c("add call the bank, it's urgent", ["add_task"], {"title": "Call the bank", "priority": "high"}, e2e=True),
    c("add clean the attic, low priority", ["add_task"], {"title": "Clean the attic", "priority": "low"}),
    c('Add "Call mom tonight"', ["add_task"], {"title": "Call mom tonight"}),
    c("don't let me forget to feed the cat", ["add_task"], {"title": "Feed the cat"}),
    c("todo: clean the garage", ["add_task"], {"title": "Clean the garage"}),
    c(
        "could you please add a task to book a dentist appointment?",
        ["add_task"],
        {"title": "Book a dentist appointment"},
    ),
    c("please add walk the dog to my list", ["add_task"], {"title": "Walk the dog"}),
    c("feed the cat tomorrow at 9am", ["add_task"], {"title": "Feed the cat"}, e2e=True),
    c("add buy milk and eggs", ["add_task"], {"title": "Buy milk and eggs"}),
    c("add daily standup notes", ["add_task"], {"title": "Daily standup notes"}),
    c("jot down pick up dry cleaning", ["add_task"], {"title": "Pick up dry cleaning"}),
    c("add review PR p1", ["add_task"], {"title": "Review PR", "priority": "high"}),
    c(
        "add submit report tagged work and finance",
        ["add_task"],
        {"title": "Submit report", "tags": ["work", "finance"]},
    ),
    c("add a task", [], reply="What should the new task say?"),
    c("add " + "x" * 312, [], reply="A title can be at most 200 characters; this one has 312."),
    # several tasks in one message
    c(
        "add three tasks: wash car, pay rent, book flights",
        ["add_task", "add_task", "add_task"],
        {"title": "Book flights"},
        "Added 3 tasks",
        e2e=True,
    ),
    c("add tasks: buy stamps; post the letter", ["add_task", "add_task"], {"title": "Post the letter"}, e2e=True),
    c(
        "add these:\n- wash car\n- pay rent\n- book flights",
        ["add_task", "add_task", "add_task"],
        {"title": "Book flights"},
        e2e=True,
    ),
    c(
        "add the following tasks:\n1. call plumber\n2. fix the fence",
        ["add_task", "add_task"],
        {"title": "Fix the fence"},
        e2e=True,
    ),
    c("call mom and email dad", ["add_task", "add_task"], {"title": "Email dad"}, e2e=True),
    c(
        "add high priority tasks: file taxes, renew passport",
        ["add_task", "add_task"],
        {"title": "Renew passport", "priority": "high"},
        e2e=True,
    ),
    c("add 2 todos: buy bread, buy cheese", ["add_task", "add_task"], {"title": "Buy cheese"}),
    c(
        "add wash the car, pay the rent and book the flights",
        ["add_task", "add_task", "add_task"],
        {"title": "Book the flights"},
    ),
    c("create a few tasks: tidy desk, water plants", ["add_task", "add_task"], {"title": "Water plants"}),
    # recurrence as people say it
    c(
        "every friday take out the trash",
        ["add_task"],
        {"title": "Take out the trash", "recurrence": "weekly"},
        "repeats weekly",
        e2e=True,
    ),
    c(
        "Add a weekly task to review the budget",
        ["add_task"],
        {"title": "Review the budget", "recurrence": "weekly"},
        e2e=True,
    ),
    c("each morning meditate", ["add_task"], {"title": "Meditate", "recurrence": "daily"}, e2e=True),
    c("daily: stretch", ["add_task"], {"title": "Stretch", "recurrence": "daily"}, e2e=True),
    c("every month pay the rent", ["add_task"], {"title": "Pay the rent", "recurrence": "monthly"}, e2e=True),
    c("add water the plants every day", ["add_task"], {"title": "Water the plants", "recurrence": "daily"}),
    c("add team sync every monday", ["add_task"], {"title": "Team sync", "recurrence": "weekly"}),
    c("mondays: gym", ["add_task"], {"title": "Gym", "recurrence": "weekly"}),
    c(
        "add pay the credit card every month on the 15th",
        ["add_task"],
        {"title": "Pay the credit card", "recurrence": "monthly"},
    ),
    c("add a monthly reminder to back up photos", ["add_task"], {"title": "Back up photos", "recurrence": "monthly"}),
    c("weekly: clean the bathroom", ["add_task"], {"title": "Clean the bathroom", "recurrence": "weekly"}),
    c("every evening read a chapter", ["add_task"], {"title": "Read a chapter", "recurrence": "daily"}),
    c("add stand-up notes, repeating daily", ["add_task"], {"title": "Stand-up notes", "recurrence": "daily"}),
    c("every other tuesday water the ferns", [], reply="I can't repeat tasks on that schedule"),
    c("add yoga every weekday", [], reply="daily, weekly or monthly"),
    c("add renew insurance yearly", [], reply="I can't repeat tasks"),
    # listing and questions
    c("Show me all my tasks", [L], {"status": "all"}, "You have 4 tasks", e2e=True),
    c("What's pending?", [L], {"status": "pending"}, "You have 3 pending tasks", e2e=True),
    c("What have I completed?", [L], {"status": "completed"}, "Pay rent", e2e=True),
    c("how many tasks do I have left?", [L], {"status": "pending"}, "You have 3 pending tasks.", e2e=True),
    c("how many tasks do I have?", [L], {"status": "all"}, "3 pending and 1 completed", e2e=True),
    c("what tags do I use?", [L], {"status": "all"}, "#errands (1)", e2e=True),
    c("show my #work tasks", [L], {"tag": "work"}, "Team meeting prep", e2e=True),
    c("what are my high priority tasks?", [L], {"priority": "high"}, "Team meeting prep", e2e=True),
    c("what's due today?", [L], {"status": "pending"}, "due today"),
    c("what's due this week?", [L], {"status": "pending"}, "due this week"),
    c("anything overdue?", [L], {"status": "pending"}, "overdue"),
    c("what should I do next?", [L], {"status": "pending"}, "Next up", e2e=True),
    c("search for groceries", [L], {"query": "groceries"}, "Buy groceries", e2e=True),
    c("find tasks about mom", [L], {"query": "mom"}, "Call mom"),
    c("list", [L], {"status": "all"}),
    c("my todo list", [L]),
    c("do I have anything tagged errands?", [L], {"tag": "errands"}, "Buy groceries"),
    c("how many high priority tasks are there?", [L], {"priority": "high"}, "You have 1 task high priority"),
    c("what's on my plate", [L], {"status": "pending"}),
    c("what is my most urgent task?", [L], {"status": "pending"}, "Team meeting prep"),
    c("show completed tasks", [L], {"status": "completed"}),
    c("which tasks are still open?", [L], {"status": "pending"}),
    c("how many are due this week?", [L], {"status": "pending"}, "due this week"),
    c("how many tasks have I completed?", [L], {"status": "completed"}, "You have 1 completed task."),
    # completing
    c(
        "Mark task 1 as complete",
        ["complete_task"],
        {"task_id": 1},
        "Marked 'Buy groceries' (task 1) as done",
        e2e=True,
    ),
    c("I finished the groceries one", [L, "complete_task"], {"task_id": 1}, e2e=True),
    c("done with 'Call mom'", [L, "complete_task"], {"task_id": 4}, e2e=True),
    c("complete call mom", [L, "complete_task"], {"task_id": 4}, e2e=True),
    c("tick off task 4", ["complete_task"], {"task_id": 4}),
    c("check off the meeting prep", [L, "complete_task"], {"task_id": 2}),
    c("task 2 is done", ["complete_task"], {"task_id": 2}),
    c("mark tasks 1 and 4 as done", ["complete_task", "complete_task"], {"task_id": 4}, e2e=True),
    c("I've completed the team meeting prep", [L, "complete_task"], {"task_id": 2}),
    c("finished paying rent", [L, L], reply="already marked as done"),
    c("mark all #work tasks as done", [L, "complete_task"], {"task_id": 2}, e2e=True),
    c("complete everything", [L, "complete_task", "complete_task", "complete_task"], {"task_id": 4}, e2e=True),
    c("mark task 99 as done", ["complete_task"], {"task_id": 99}, "I couldn't find task 99."),
    # reopening
    c("reopen task 3", ["update_task"], {"task_id": 3, "completed": False}, "Reopened 'Pay rent' (task 3)", e2e=True),
    c("reopen 'Pay rent'", [L, "update_task"], {"task_id": 3, "completed": False}, e2e=True),
    c("mark pay rent as not done", [L, "update_task"], {"task_id": 3, "completed": False}, e2e=True),
    c("I didn't actually finish paying rent", [L, L, "update_task"], {"task_id": 3, "completed": False}),
    c("uncheck task 3", ["update_task"], {"task_id": 3, "completed": False}),
    c("pay rent isn't done", [L, "update_task"], {"task_id": 3, "completed": False}),
    c("reopen all completed tasks", [L, "update_task"], {"task_id": 3, "completed": False}, e2e=True),
    c("reopen call mom", [L], reply="isn't done yet"),
    # deleting
    c("Delete the meeting task", [L, "delete_task"], {"task_id": 2}, "Deleted 'Team meeting prep' (task 2).", e2e=True),
    c("delete task 4", ["delete_task"], {"task_id": 4}, e2e=True),
    c("remove 'Buy groceries'", [L, "delete_task"], {"task_id": 1}, e2e=True),
    c("get rid of the call mom task", [L, "delete_task"], {"task_id": 4}),
    c("I don't need to call mom anymore", [L, "delete_task"], {"task_id": 4}),
    c("delete tasks 1 and 4", ["delete_task", "delete_task"], {"task_id": 4}, e2e=True),
    c("delete everything I've finished", [L, "delete_task"], {"task_id": 3}, "Deleted 'Pay rent' (task 3).", e2e=True),
    c("delete all completed tasks", [L, "delete_task"], {"task_id": 3}, e2e=True),
    c("delete all #work tasks", [L, "delete_task"], {"task_id": 2}),
    c("delete everything", [L], reply='Reply "yes" to delete them all', e2e=True),
    c("delete all pending tasks", [L], reply="That would delete 3 tasks"),
    c("clear completed tasks", [L, "delete_task"], {"task_id": 3}),
    c("delete the dentist task", [L, L], reply="I couldn't find a task matching 'dentist'"),
    c("delete task 42", ["delete_task"], {"task_id": 42}, "I couldn't find task 42."),
    # renaming, by number or by title, quoted or not
    c(
        "Change task 4 to 'Call mom tonight'",
        ["update_task"],
        {"task_id": 4, "title": "Call mom tonight"},
        "Renamed task 4",
        e2e=True,
    ),
    c(
        "rename 'Call mom' to 'Call mom on Sunday'",
        [L, "update_task"],
        {"task_id": 4, "title": "Call mom on Sunday"},
        e2e=True,
    ),
    c("rename call mom to call grandma", [L, "update_task"], {"task_id": 4, "title": "Call grandma"}, e2e=True),
    c("change the title of task 1 to Buy oat milk", ["update_task"], {"task_id": 1, "title": "Buy oat milk"}),
    c("rename the groceries one to weekly shop", [L, "update_task"], {"task_id": 1, "title": "Weekly shop"}),
    c('call task 2 "Prepare slides"', ["update_task"], {"task_id": 2, "title": "Prepare slides"}),
    # rescheduling
    c("move task 4 to Friday", ["update_task"], {"task_id": 4}, "due Fri", e2e=True),
    c("reschedule 'Call mom' to tomorrow at 6pm", [L, "update_task"], {"task_id": 4}, "at 18:00", e2e=True),
    c("push the groceries one to next week", [L, "update_task"], {"task_id": 1}, "due"),
    c("set task 1 due tomorrow", ["update_task"], {"task_id": 1}),
    c(
        "change the due date of task 4 to 2030-12-01",
        ["update_task"],
        {"task_id": 4, "due_at": "2030-12-01T12:00:00+00:00"},
    ),
    c("postpone call mom until monday", [L, "update_task"], {"task_id": 4}),
    # re-prioritising
    c("make task 4 high priority", ["update_task"], {"task_id": 4, "priority": "high"}, "now high priority", e2e=True),
    c("make 'Buy groceries' urgent", [L, "update_task"], {"task_id": 1, "priority": "high"}, e2e=True),
    c("set the priority of call mom to low", [L, "update_task"], {"task_id": 4, "priority": "low"}, e2e=True),
    c("prioritize task 1", ["update_task"], {"task_id": 1, "priority": "high"}),
    c("deprioritize the meeting prep", [L, "update_task"], {"task_id": 2, "priority": "low"}),
    c("set all #errands tasks to high priority", [L, "update_task"], {"task_id": 1, "priority": "high"}, e2e=True),
    # tagging and untagging
    c("tag task 4 with #family", [L, "update_task"], {"task_id": 4, "tags": ["family"]}, e2e=True),
    c("tag 'Buy groceries' with home", [L, "update_task"], {"task_id": 1, "tags": ["errands", "home"]}, e2e=True),
    c("add #urgent to task 2", [L, "update_task"], {"task_id": 2, "tags": ["work", "urgent"]}),
    c("label call mom as family", [L, "update_task"], {"task_id": 4, "tags": ["family"]}),
    c("remove the #work tag from task 2", [L, "update_task"], {"task_id": 2, "tags": []}, "Removed #work", e2e=True),
    c("remove the errands tag from buy groceries", [L, "update_task"], {"task_id": 1, "tags": []}, e2e=True),
    c("untag 'Team meeting prep' #work", [L, "update_task"], {"task_id": 2, "tags": []}, e2e=True),
    c("take #errands off the groceries one", [L, "update_task"], {"task_id": 1, "tags": []}),
    # undo
    c("undo that", [], reply="nothing for me to undo"),
    # small talk, help, what it can't do
    c("hello", [], reply="Hi!", e2e=True),
    c("help", [], reply="I manage your todo list"),
    c("what can you do?", [], reply="I manage your todo list"),
    c("thanks!", [], reply="You're welcome"),
    c("yes", [], reply="nothing waiting for a yes"),
    c("no", [], reply="I left everything as it was"),
    c("email me when the rent is due", [], reply="I can't send notifications", e2e=True),
    c("share my list with Bob", [], reply="I can't share tasks"),
    c("can you break task 2 into subtasks?", [], reply="I can't add subtasks"),
    c("show me tasks due tomorrow", [L], {"status": "pending"}, "due tomorrow"),
    c("what's left to do?", [L], {"status": "pending"}),
    c("mark it done", [], reply="Which task do you mean?"),
    c("delete it", [], reply="Which task do you mean?"),
    c("what's the weather like?", [], reply="I can't answer questions outside your todo list"),
    c("delete my account", [], reply="I can't change your account"),
    c("sync with google calendar", [], reply="I can't connect to calendars"),
    c("zzz qqq", [], reply="Sorry, I'm not sure"),
    c("42", [], reply="Sorry, I'm not sure"),
    c("purple elephants", [], reply="Sorry, I'm not sure"),
]
