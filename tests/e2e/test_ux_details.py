"""In the browser: due dates, the mobile tasks/chat switch, logout, rate limits, the URL
keeping filters, the favicon, "Was due", the title limit, and axe-core on every screen.

Each scenario runs at desktop (1280x800) and mobile (390x844) size. Every page is watched: a
console error or an uncaught page error fails the test (tests/e2e/conftest.py). Screenshots for
the docs are written to docs/screenshots/ by these runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from todo_harness.browser import PASSWORD, add_task, filters, sign_up, task_item, task_titles, unique_email

from .conftest import DESKTOP, MOBILE, ConsoleGuard, axe_violations

pytestmark = pytest.mark.e2e

SIZES = {"desktop": DESKTOP, "mobile": MOBILE}
CHAT_TIMEOUT_MS = 60_000


def add_form(page: Page) -> Locator:
    return page.get_by_role("form", name="Add a task")


def tasks_via_api(page: Page, frontend_url: str) -> list[dict[str, Any]]:
    response = page.request.get(f"{frontend_url}/api/tasks?status=all&limit=200")
    assert response.status == 200, response.text()
    return response.json()["items"]  # type: ignore[no-any-return]


def type_date(page: Page, form: Locator, keys: str) -> None:
    """Types into the date input as a person does (en-US: month, day, year segments)."""
    field = form.get_by_label("Due date")
    field.fill("")
    field.click(position={"x": 8, "y": 10})  # the month segment
    page.keyboard.type(keys)


def show_tab(page: Page, name: str) -> None:
    """On small screens, the one-tap switch between tasks and the assistant."""
    page.get_by_role("tab", name=name).click()


# ---- 1. due dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "zone"), [("desktop", "Pacific/Auckland"), ("mobile", "America/Los_Angeles")])
def test_due_dates_are_never_lost_or_changed(
    open_page: Callable[..., Page], frontend_url: str, size: str, zone: str
) -> None:
    page = open_page(SIZES[size], timezone_id=zone)
    sign_up(page, frontend_url, unique_email(f"due-{size}"))
    form = add_form(page)
    tz = ZoneInfo(zone)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/api/tasks" in r.url else None)

    # The form says which default time, in which zone (the user's, not the server's UTC).
    expect(form.get_by_test_id("due-hint")).to_have_text(f"Without a time it is due at 12:00, your time ({zone}).")

    # A date without a time: due at 12:00 in the user's zone, not dropped.
    form.get_by_label("Title").fill("Date only")
    type_date(page, form, "12052030")
    form.get_by_role("button", name="Add task").click()
    expect(task_item(page, "Date only")).to_be_visible()
    stored = {t["title"]: t for t in tasks_via_api(page, frontend_url)}
    expected = datetime(2030, 12, 5, 12, 0, tzinfo=tz).astimezone(UTC)
    assert datetime.fromisoformat(stored["Date only"]["due_at"]) == expected
    expect(task_item(page, "Date only").get_by_test_id("due-badge")).to_contain_text("Dec 5, 2030")
    expect(task_item(page, "Date only").get_by_test_id("due-badge")).to_contain_text("12:00")

    # A two-digit year (0026) is an inline error; nothing is sent.
    sent = len(posts)
    form.get_by_label("Title").fill("Two-digit year")
    type_date(page, form, "120526")
    expect(form.get_by_label("Due date")).to_have_value("0026-12-05")
    form.get_by_role("button", name="Add task").click()
    error = form.get_by_text(re.compile("0026 looks like a two-digit year"))
    expect(error).to_be_visible()
    expect(error).to_contain_text("2026")
    expect(form.get_by_label("Due date")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Due date")).to_be_focused()

    # A half-typed date (no year) is an error too, not "no due date".
    type_date(page, form, "1205")
    expect(form.get_by_label("Due date")).to_have_value("")
    form.get_by_role("button", name="Add task").click()
    expect(form.get_by_text(re.compile("incomplete or does not exist"))).to_be_visible()

    # 29 February: refused in 2027, saved in the leap year 2028 (with its time).
    type_date(page, form, "02292027")
    form.get_by_role("button", name="Add task").click()
    expect(form.get_by_text(re.compile("only in leap years"))).to_be_visible()
    assert len(posts) == sent, "an invalid due date must not be sent"
    expect(task_titles(page)).to_have_count(1)

    form.get_by_label("Title").fill("Leap day")
    type_date(page, form, "02292028")
    form.get_by_label("Time").fill("09:15")
    form.get_by_role("button", name="Add task").click()
    expect(task_item(page, "Leap day")).to_be_visible()
    leap = {t["title"]: t for t in tasks_via_api(page, frontend_url)}["Leap day"]
    assert datetime.fromisoformat(leap["due_at"]) == datetime(2028, 2, 29, 9, 15, tzinfo=tz).astimezone(UTC)

    # Editing shows the same local date and time back.
    page.get_by_role("button", name='Edit "Leap day"').click()
    edit = page.get_by_role("form", name="Edit task")
    expect(edit.get_by_label("Due date")).to_have_value("2028-02-29")
    expect(edit.get_by_label("Time")).to_have_value("09:15")
    edit.get_by_role("button", name="Cancel").click()


# ---- 2. mobile: one tap between tasks and the assistant -------------------------------------------


def test_mobile_switches_between_tasks_and_chat_in_one_tap_and_keeps_state(
    open_page: Callable[..., Page], frontend_url: str, agent_url: str, docs_screenshots: Path
) -> None:
    page = open_page(MOBILE)
    sign_up(page, frontend_url, unique_email("mobile"))
    for i in range(18):  # the page was 2,517 px tall with 18 tasks
        page.request.post(f"{frontend_url}/api/tasks", data={"title": f"Task {i + 1:02d}", "tags": ["many"]})
    page.reload()
    expect(task_titles(page)).to_have_count(18)
    chat = page.get_by_role("complementary", name="Chat assistant")
    tasks_tab, chat_tab = page.get_by_role("tab", name="Tasks"), page.get_by_role("tab", name="Assistant")
    expect(tasks_tab).to_have_attribute("aria-selected", "true")
    expect(chat).to_be_hidden()
    # The switch stays in reach at the top while the list scrolls.
    page.mouse.wheel(0, 2000)
    expect(chat_tab).to_be_in_viewport()

    # Half-typed task, then one tap to the assistant and back: both drafts survive.
    add_form(page).get_by_label("Title").fill("Half-typed task")
    chat_tab.tap()
    expect(chat).to_be_visible()
    expect(add_form(page)).to_be_hidden()
    box = chat.get_by_label("Message the assistant")
    expect(box).to_be_in_viewport()
    box.fill("Add a task to call the plumber tomorrow")
    box.press("Enter")
    expect(chat.get_by_test_id("chat-assistant").last).to_be_visible(timeout=CHAT_TIMEOUT_MS)
    box.fill("A draft for later")
    page.screenshot(path=str(docs_screenshots / "mobile-chat.png"))
    tasks_tab.tap()
    expect(add_form(page).get_by_label("Title")).to_have_value("Half-typed task")
    # What the assistant did is already in the list.
    expect(page.get_by_test_id("task-item").filter(has_text=re.compile("plumber", re.I))).to_have_count(1)
    page.screenshot(path=str(docs_screenshots / "mobile-tasks.png"))
    chat_tab.tap()
    expect(box).to_have_value("A draft for later")

    # Keyboard: arrow keys move between the tabs (the WAI-ARIA tabs pattern); the choice is in the URL.
    chat_tab.focus()
    page.keyboard.press("ArrowLeft")
    expect(tasks_tab).to_be_focused()
    expect(tasks_tab).to_have_attribute("aria-selected", "true")
    page.keyboard.press("End")
    expect(chat_tab).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"[?&]view=chat"))
    page.reload()
    expect(page.get_by_role("tab", name="Assistant")).to_have_attribute("aria-selected", "true")
    expect(chat).to_be_visible()


def test_desktop_shows_tasks_and_chat_side_by_side_without_tabs(
    open_page: Callable[..., Page], frontend_url: str
) -> None:
    page = open_page(DESKTOP)
    sign_up(page, frontend_url, unique_email("wide"))
    expect(page.get_by_role("tablist")).to_be_hidden()
    expect(page.get_by_role("complementary", name="Chat assistant")).to_be_visible()
    expect(add_form(page)).to_be_visible()


# ---- 3. logout ends the session on the server -----------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_logout_revokes_the_token(
    open_page: Callable[..., Page], frontend_url: str, backend_url: str, size: str, console_errors: ConsoleGuard
) -> None:
    page = open_page(SIZES[size])
    sign_up(page, frontend_url, unique_email(f"bye-{size}"))
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "todo_session")
    me = httpx.get(f"{backend_url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    after = httpx.get(f"{backend_url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert after.status_code == 401 and "revoked" in after.json()["detail"]
    # Putting the old cookie back does not bring the session back.
    console_errors.allow(r"Failed to load resource: .* status of 401")
    page.context.add_cookies([{"name": "todo_session", "value": token, "url": frontend_url}])
    page.goto(f"{frontend_url}/tasks")
    expect(page).to_have_url(re.compile(r"/login$"))


# ---- 5. brute force: the login form says when to try again ----------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_too_many_failed_logins_are_refused_with_a_clear_message(
    open_page: Callable[..., Page], frontend_url: str, size: str, console_errors: ConsoleGuard
) -> None:
    console_errors.allow(r"Failed to load resource: .* status of (401|429)")
    page = open_page(SIZES[size])
    email = unique_email(f"guess-{size}")
    sign_up(page, frontend_url, email)
    page.get_by_role("button", name="Log out").click()
    alert = page.get_by_role("main").get_by_role("alert")
    for _ in range(5):  # the backend's default: 5 failed logins per account per 15 minutes
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(alert).to_contain_text("invalid email or password")
    page.get_by_label("Password").fill(PASSWORD)  # even the right one, until the window ends
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(alert).to_contain_text(re.compile(r"too many login attempts; try again in \d+ minutes"))
    expect(page).to_have_url(re.compile(r"/login$"))


# ---- 7. the smaller ones ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_filters_and_sort_survive_a_reload(open_page: Callable[..., Page], frontend_url: str, size: str) -> None:
    page = open_page(SIZES[size])
    sign_up(page, frontend_url, unique_email(f"url-{size}"))
    soon = datetime.now() + timedelta(days=2)
    add_task(page, "Pay rent", "high", "home", soon)
    add_task(page, "Call rental agency", "high", "money", soon + timedelta(days=1))
    add_task(page, "Buy socks", "low", "home", soon)
    bar = filters(page)
    bar.get_by_label("Priority").select_option("high")
    bar.get_by_label("Sort by").select_option("title")
    bar.get_by_label("Order").select_option("asc")
    bar.get_by_label("Search").fill("rent")  # a word, or the start of one: "rent", "rental"
    expect(task_titles(page)).to_have_text(["Call rental agency", "Pay rent"])
    expect(page).to_have_url(re.compile(r"priority=high"))
    page.reload()
    bar = filters(page)
    expect(bar.get_by_label("Priority")).to_have_value("high")
    expect(bar.get_by_label("Sort by")).to_have_value("title")
    expect(bar.get_by_label("Order")).to_have_value("asc")
    expect(bar.get_by_label("Search")).to_have_value("rent")
    expect(task_titles(page)).to_have_text(["Call rental agency", "Pay rent"])
    # A link with the query opens the same list; nonsense in it falls back to the defaults.
    page.goto(f"{frontend_url}/tasks?status=bogus&sort=title&order=desc")
    expect(task_titles(page)).to_have_text(["Pay rent", "Call rental agency", "Buy socks"])
    expect(filters(page).get_by_label("Status")).to_have_value("all")


@pytest.mark.parametrize("size", SIZES)
def test_done_early_is_not_was_due_and_titles_are_limited_like_the_api(
    open_page: Callable[..., Page], frontend_url: str, size: str
) -> None:
    page = open_page(SIZES[size])
    sign_up(page, frontend_url, unique_email(f"small-{size}"))
    add_task(page, "Done early", "medium", "", datetime.now() + timedelta(days=10))
    add_task(page, "Done late", "medium", "", datetime.now() - timedelta(days=1))
    for title in ("Done early", "Done late"):
        page.get_by_role("checkbox", name=f'Mark "{title}" as done').check()
        expect(task_item(page, title)).to_have_attribute("data-completed", "true")
    expect(task_item(page, "Done early").get_by_test_id("due-badge")).to_contain_text(re.compile(r"^Due"))
    expect(task_item(page, "Done early").get_by_test_id("due-badge")).not_to_contain_text("Was due")
    expect(task_item(page, "Done late").get_by_test_id("due-badge")).to_contain_text("Was due")

    # 201 characters: said inline, nothing cut and nothing sent; 200 are kept whole.
    form = add_form(page)
    form.get_by_label("Title").fill("x" * 201)
    expect(form.get_by_label("Title")).to_have_value("x" * 201)
    form.get_by_role("button", name="Add task").click()
    expect(form.get_by_text("Title must be at most 200 characters.")).to_be_visible()
    form.get_by_label("Title").fill("y" * 200)
    form.get_by_role("button", name="Add task").click()
    expect(task_item(page, "y" * 200)).to_be_visible()
    assert "y" * 200 in {t["title"] for t in tasks_via_api(page, frontend_url)}


def test_favicon_is_served_locally(page: Page, frontend_url: str) -> None:
    response = page.request.get(f"{frontend_url}/favicon.ico")
    assert response.status == 200 and response.headers["content-type"].startswith("image/")
    assert response.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page.goto(f"{frontend_url}/login")  # and the page itself reports nothing (the guard checks)


# ---- axe-core: zero violations on every screen, at both sizes --------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_no_accessibility_violations(
    open_page: Callable[..., Page], frontend_url: str, agent_url: str, size: str, docs_screenshots: Path
) -> None:
    page = open_page(SIZES[size])
    page.goto(f"{frontend_url}/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert axe_violations(page) == [], "login"
    page.screenshot(path=str(docs_screenshots / f"{size}-login.png"))

    sign_up(page, frontend_url, unique_email(f"axe-{size}"))
    add_task(page, "Water the plants", "high", "home", datetime.now() + timedelta(hours=3))
    add_task(page, "File taxes", "medium", "money", datetime.now() - timedelta(days=1))
    page.get_by_role("button", name='Delete "File taxes"').click()
    dialog = page.get_by_role("alertdialog", name="Delete task?")
    expect(dialog).to_be_visible()
    assert axe_violations(page) == [], "tasks with the dialog open"
    dialog.get_by_role("button", name="Cancel").click()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(docs_screenshots / f"{size}-tasks.png"), full_page=True)

    if size == "mobile":
        show_tab(page, "Assistant")
    chat = page.get_by_role("complementary", name="Chat assistant")
    box = chat.get_by_label("Message the assistant")
    box.fill("Show me all my tasks")
    box.press("Enter")
    expect(chat.get_by_test_id("chat-assistant").last.get_by_test_id("tool-chip")).to_be_visible(
        timeout=CHAT_TIMEOUT_MS
    )
    assert axe_violations(page) == [], "chat with messages"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(docs_screenshots / f"{size}-chat.png"))
