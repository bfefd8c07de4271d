"""The whole stack as processes, driven through the UI in Debian's chromium.

PostgreSQL (embedded), backend, mcp-server and agent (local model) come from the shared plugin;
the standalone Next.js server is started in front of the backend (see conftest.py).
Screenshots land in test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from todo_harness.browser import (
    PASSWORD,
    add_task,
    filters,
    log_in,
    log_out,
    sign_up,
    task_item,
    task_titles,
    unique_email,
)
from todo_harness.fake_openai import FakeChatCompletions
from todo_harness.processes import LOOPBACK, ServiceProcess

from .conftest import LOG_DIR, ConsoleGuard

pytestmark = pytest.mark.e2e

CHAT_TIMEOUT_MS = 60_000


# ---- helpers only these scenarios use (the shared ones are in todo_harness.browser) ----------


def chat_panel(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Chat assistant")


def send_chat(page: Page, text: str) -> None:
    box = chat_panel(page).get_by_label("Message the assistant")
    box.fill(text)
    box.press("Enter")


# ---- scenarios ---------------------------------------------------------------------------------------


def test_tasks_crud_filter_sort_logout_and_isolation(
    page: Page, frontend_url: str, backend_url: str, screenshots_dir: Path
) -> None:
    first = unique_email("first")
    page.goto(frontend_url)
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    sign_up(page, frontend_url, first)
    expect(page.get_by_test_id("tasks-empty")).to_contain_text("No tasks yet")

    now = datetime.now()
    add_task(page, "Buy groceries", "medium", "home, errands", now + timedelta(days=3))
    add_task(page, "File taxes", "high", "finance", now - timedelta(days=1))
    add_task(page, "Water plants", "low", "home", now + timedelta(hours=3))
    expect(page.get_by_test_id("task-count")).to_have_text("3 tasks")

    # Newest first by default; due dates are highlighted.
    expect(task_titles(page)).to_have_text(["Water plants", "File taxes", "Buy groceries"])
    expect(task_item(page, "File taxes")).to_have_attribute("data-due-state", "overdue")
    expect(task_item(page, "File taxes").get_by_test_id("due-badge")).to_contain_text("Overdue")
    expect(task_item(page, "Water plants")).to_have_attribute("data-due-state", "due-soon")
    expect(task_item(page, "Buy groceries")).to_have_attribute("data-due-state", "upcoming")
    expect(task_item(page, "Buy groceries").get_by_test_id("task-tag")).to_have_text(["#home", "#errands"])

    # Filter by priority and by tag.
    bar = filters(page)
    bar.get_by_label("Priority").select_option("high")
    expect(task_titles(page)).to_have_text(["File taxes"])
    bar.get_by_label("Priority").select_option("")
    bar.get_by_label("Tag").fill("home")
    expect(task_titles(page)).to_have_text(["Water plants", "Buy groceries"])
    bar.get_by_label("Tag").fill("")
    expect(task_titles(page)).to_have_count(3)

    # Search.
    bar.get_by_label("Search").fill("groc")
    expect(task_titles(page)).to_have_text(["Buy groceries"])
    bar.get_by_label("Search").fill("nothing like this")
    expect(page.get_by_test_id("tasks-empty")).to_contain_text("No tasks match")
    bar.get_by_label("Search").fill("")
    expect(task_titles(page)).to_have_count(3)

    # Sort and order.
    bar.get_by_label("Sort by").select_option("title")
    bar.get_by_label("Order").select_option("asc")
    expect(task_titles(page)).to_have_text(["Buy groceries", "File taxes", "Water plants"])
    bar.get_by_label("Sort by").select_option("due_date")
    expect(task_titles(page)).to_have_text(["File taxes", "Water plants", "Buy groceries"])
    bar.get_by_label("Sort by").select_option("priority")
    bar.get_by_label("Order").select_option("desc")
    expect(task_titles(page)).to_have_text(["File taxes", "Buy groceries", "Water plants"])

    # Inline edit (Escape cancels; Save keeps the change).
    page.get_by_role("button", name='Edit "Buy groceries"').click()
    edit = page.get_by_role("form", name="Edit task")
    edit.get_by_label("Title").fill("Something else")
    edit.get_by_label("Title").press("Escape")
    expect(task_item(page, "Buy groceries")).to_be_visible()
    page.get_by_role("button", name='Edit "Buy groceries"').click()
    edit = page.get_by_role("form", name="Edit task")
    expect(edit.get_by_label("Tags")).to_have_value("home, errands")
    edit.get_by_label("Title").fill("Buy groceries and milk")
    edit.get_by_label("Priority").select_option("high")
    edit.get_by_role("button", name="Save").click()
    expect(task_item(page, "Buy groceries and milk")).to_be_visible()
    expect(task_item(page, "Buy groceries and milk")).to_contain_text("high")
    # Both high now: ties go by id in the same order, so the newer "File taxes" stays first.
    expect(task_titles(page)).to_have_text(["File taxes", "Buy groceries and milk", "Water plants"])

    # Complete, then filter by status.
    page.get_by_role("checkbox", name='Mark "Water plants" as done').check()
    expect(task_item(page, "Water plants")).to_have_attribute("data-completed", "true")
    bar.get_by_label("Status").select_option("completed")
    expect(task_titles(page)).to_have_text(["Water plants"])
    bar.get_by_label("Status").select_option("pending")
    expect(task_titles(page)).to_have_count(2)
    bar.get_by_label("Status").select_option("all")
    expect(task_titles(page)).to_have_count(3)

    # Delete asks first; Cancel keeps the task.
    page.get_by_role("button", name='Delete "File taxes"').click()
    dialog = page.get_by_role("alertdialog", name="Delete task?")
    expect(dialog).to_contain_text("File taxes")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(task_item(page, "File taxes")).to_be_visible()
    page.get_by_role("button", name='Delete "File taxes"').click()
    page.get_by_role("alertdialog", name="Delete task?").get_by_role("button", name="Delete").click()
    expect(task_item(page, "File taxes")).to_have_count(0)
    expect(task_titles(page)).to_have_text(["Buy groceries and milk", "Water plants"])

    page.screenshot(path=str(screenshots_dir / "tasks.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots_dir / "tasks-mobile.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})

    # The session survives a reload; logging out and in again shows the same tasks.
    page.reload()
    expect(task_titles(page)).to_have_count(2)
    log_out(page)
    page.goto(f"{frontend_url}/tasks")
    expect(page).to_have_url(re.compile(r"/login$"))
    log_in(page, frontend_url, first)
    # Filters start over at their defaults (newest first).
    expect(task_titles(page)).to_have_text(["Water plants", "Buy groceries and milk"])
    first_task_id = task_item(page, "Water plants").get_attribute("data-task-id")

    # A second user sees none of it, not even by id through the frontend's API.
    log_out(page)
    sign_up(page, frontend_url, unique_email("second"))
    expect(page.get_by_test_id("tasks-empty")).to_contain_text("No tasks yet")
    expect(page.get_by_test_id("task-item")).to_have_count(0)
    listing = page.request.get(f"{frontend_url}/api/tasks?status=all")
    assert listing.status == 200 and listing.json()["total"] == 0
    other = page.request.get(f"{frontend_url}/api/tasks/{first_task_id}")
    assert other.status == 404, other.text()
    # The browser never sees the token: it lives in an httpOnly cookie.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["todo_session"]["httpOnly"] is True
    assert cookies["todo_session"]["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""


def test_chat_adds_task_and_list_refreshes_without_reload(
    page: Page, frontend_url: str, backend_url: str, agent_url: str, mcp_url: str, screenshots_dir: Path
) -> None:
    sign_up(page, frontend_url, unique_email("chat"))
    add_task(page, "Existing task", "medium", "misc", datetime.now() + timedelta(days=5))
    page.evaluate("window.__sameDocument = true")  # gone after any reload or navigation to another page

    chat = chat_panel(page)
    expect(chat.get_by_text("No conversations yet.")).to_be_visible()
    send_chat(page, "add a task to call the plumber tomorrow")
    expect(chat.get_by_test_id("chat-user")).to_contain_text("call the plumber tomorrow")
    reply = chat.get_by_test_id("chat-assistant").last
    expect(reply).to_be_visible(timeout=CHAT_TIMEOUT_MS)
    chip = reply.get_by_test_id("tool-chip").filter(has_text="add_task")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text(re.compile("plumber", re.I))

    # The task list picked up the new task by itself (no navigation, no reload).
    plumber = page.get_by_test_id("task-item").filter(has_text=re.compile(r"plumber", re.I))
    expect(plumber).to_have_count(1)
    expect(plumber).to_have_attribute("data-due-state", re.compile(r"due-soon|upcoming"))
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded or navigated"
    # The open conversation is in the address bar (set without a navigation), to come back to.
    expect(page).to_have_url(re.compile(r"/tasks\?conversation=\d+$"))
    expect(chat.get_by_test_id("conversation-list").get_by_role("button")).to_have_count(1)

    page.screenshot(path=str(screenshots_dir / "chat.png"), full_page=True)
    chat.screenshot(path=str(screenshots_dir / "chat-panel.png"))

    # A listing turn shows its chip too, and does not need a refresh.
    send_chat(page, "Show me all my tasks")
    listing = chat.get_by_test_id("chat-assistant").nth(1)
    expect(listing).to_be_visible(timeout=CHAT_TIMEOUT_MS)
    expect(listing.get_by_test_id("tool-chip").filter(has_text="list_tasks")).to_be_visible()

    # The conversation is stored: after a reload it opens by itself, its chips back; so does the
    # most recent one when the address has none.
    for url in (page.url, f"{frontend_url}/tasks"):
        page.goto(url)
        expect(chat.get_by_test_id("chat-user").first).to_contain_text("call the plumber tomorrow")
        expect(chat.get_by_test_id("chat-assistant")).to_have_count(2)
        expect(chat.get_by_test_id("tool-chip").filter(has_text="add_task")).to_be_visible()
        current = chat.get_by_test_id("conversation-list").get_by_role("button", name=re.compile("plumber", re.I))
        expect(current).to_have_attribute("aria-current", "true")

    # Another user sees neither the tasks nor the conversation.
    log_out(page)
    sign_up(page, frontend_url, unique_email("other"))
    expect(page.get_by_test_id("tasks-empty")).to_be_visible()
    expect(chat.get_by_text("No conversations yet.")).to_be_visible()


def test_keyboard_only_use(page: Page, frontend_url: str, backend_url: str) -> None:
    """Add, complete and delete-with-confirmation without the mouse; focus stays visible."""
    sign_up(page, frontend_url, unique_email("keys"))
    title = page.get_by_role("form", name="Add a task").get_by_label("Title")
    title.focus()
    page.keyboard.type("Keyboard task")
    page.keyboard.press("Enter")
    expect(task_item(page, "Keyboard task")).to_be_visible()

    checkbox = page.get_by_role("checkbox", name='Mark "Keyboard task" as done')
    checkbox.focus()
    page.keyboard.press("Space")
    expect(task_item(page, "Keyboard task")).to_have_attribute("data-completed", "true")

    delete = page.get_by_role("button", name='Delete "Keyboard task"')
    delete.focus()
    outline = delete.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "focused buttons must show a focus outline"
    page.keyboard.press("Enter")
    dialog = page.get_by_role("alertdialog", name="Delete task?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(delete).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Delete")).to_be_focused()
    page.keyboard.press("Enter")
    expect(task_item(page, "Keyboard task")).to_have_count(0)


def test_backend_stopped_shows_a_clear_error(
    page: Page,
    start_frontend: Callable[[str], ServiceProcess],
    service_env: dict[str, str],
    screenshots_dir: Path,
    console_errors: ConsoleGuard,
) -> None:
    """This test's own backend, so stopping it does not disturb the session's services."""
    console_errors.allow(r"Failed to load resource: .* status of 503")  # what this test provokes
    backend = ServiceProcess.python_module("backend-stopped", "backend", service_env, log_dir=LOG_DIR)
    assert backend.env["HOST"] == LOOPBACK
    backend.start()
    try:
        frontend = start_frontend(backend.url)
        email = unique_email("down")
        sign_up(page, frontend.url, email)
        add_task(page, "Survives an outage", "high", "ops", datetime.now() + timedelta(days=2))

        backend.stop()
        page.reload()
        error = page.get_by_test_id("tasks-error")
        expect(error).to_contain_text("Could not load your tasks")
        expect(error).to_contain_text("unreachable")
        expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
        retry = (
            page.get_by_role("alert").filter(has_text="Could not load your tasks").get_by_role("button", name="Retry")
        )
        expect(retry).to_be_visible()
        page.screenshot(path=str(screenshots_dir / "backend-down.png"), full_page=True)

        # Actions say so too.
        form = page.get_by_role("form", name="Add a task")
        form.get_by_label("Title").fill("Will not save")
        form.get_by_role("button", name="Add task").click()
        expect(form.get_by_role("alert")).to_contain_text("unreachable")

        send_chat(page, "Show me all my tasks")
        composer = chat_panel(page).get_by_role("form", name="Send a message")
        expect(composer.get_by_role("alert")).to_contain_text("unreachable")
        expect(composer.get_by_label("Message the assistant")).to_have_value("Show me all my tasks")

        # Logging in while the backend is down explains why it failed.
        log_out(page)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        # (scoped to <main>: Next's route announcer is also an alert region)
        expect(page.get_by_role("main").get_by_role("alert")).to_contain_text("unreachable")
        expect(page).to_have_url(re.compile(r"/login$"))

        # The route handlers answer JSON with a readable message, never a stack trace.
        response = page.request.post(f"{frontend.url}/api/auth/login", data={"email": email, "password": PASSWORD})
        assert response.status == 503
        assert "unreachable" in response.json()["detail"]

    finally:
        backend.stop()


# Every change to the newest reply bubble, with when it happened: its text, and whether the turn
# was still streaming (the cursor is shown until `done`).
RECORD_REPLY = """() => {
  window.__reply = [];
  const record = () => {
    const bubbles = document.querySelectorAll('[data-testid="chat-assistant"]');
    const last = bubbles[bubbles.length - 1];
    if (!last) return;
    const text = last.textContent;
    const streaming = !!last.querySelector('[data-testid="chat-streaming"]');
    const previous = window.__reply[window.__reply.length - 1];
    if (!previous || previous.text !== text || previous.streaming !== streaming)
      window.__reply.push({ t: performance.now(), text, streaming });
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def test_a_streamed_reply_shows_its_text_before_the_turn_completes(
    page: Page,
    start_frontend: Callable[[str], ServiceProcess],
    service_env: dict[str, str],
    mcp_server_process: ServiceProcess,
    screenshots_dir: Path,
) -> None:
    """Browser -> Next.js pass-through -> backend relay -> agent on the OpenAI path, whose FAKE model
    writes its reply a piece every 0.4 s: the page must show the first pieces while the rest is still
    being written. A buffer anywhere on the way would show the whole reply at once, at the end."""
    with FakeChatCompletions(text_delay=0.4) as fake:
        agent = ServiceProcess.python_module(
            "agent-slow-model", "agent", {**service_env, **fake.agent_env}, log_dir=LOG_DIR
        )
        agent.start()
        backend = ServiceProcess.python_module(
            "backend-slow-model", "backend", {**service_env, "AGENT_URL": agent.url}, log_dir=LOG_DIR
        )
        try:
            backend.start()
            frontend = start_frontend(backend.url)
            sign_up(page, frontend.url, unique_email("stream"))
            page.evaluate(RECORD_REPLY)
            send_chat(page, "I need oat milk, it's urgent")
            reply = chat_panel(page).get_by_test_id("chat-assistant").last
            expect(reply).to_contain_text("Done:", timeout=CHAT_TIMEOUT_MS)  # the first piece
            page.screenshot(path=str(screenshots_dir / "chat-streaming.png"), full_page=True)
            expect(reply).to_contain_text(re.compile(r"Done: added 'Buy oat milk' \(task \d+\)\."))
            expect(reply.get_by_test_id("chat-streaming")).to_have_count(0)
            samples: list[dict[str, Any]] = page.evaluate("window.__reply")
            expect(task_titles(page)).to_have_text(["Buy oat milk"])  # the list refreshed after the turn
        finally:
            backend.stop()
            agent.stop()

    partial = [s for s in samples if s["streaming"] and "Done:" in s["text"] and "(task" not in s["text"]]
    assert len(partial) >= 3, f"the reply appeared in {len(partial)} steps, not piece by piece (buffered): {samples}"
    final = next(s for s in samples if not s["streaming"] and "Buy oat milk' (task" in s["text"])
    lead_ms = final["t"] - partial[0]["t"]
    print(f"\n[browser] first text shown {lead_ms:.0f} ms before the turn completed ({len(partial)} partial states)")
    # seven pieces 0.4 s apart: the first is on screen well over a second before the last
    assert lead_ms > 1000, f"first text only {lead_ms:.0f} ms before the end: the stream was buffered"
