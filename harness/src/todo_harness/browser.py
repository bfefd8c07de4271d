"""The browser the UI tests drive (Debian's chromium through Playwright) and the one place that
knows how the UI is labelled: the e2e, container and cluster tiers all sign up and add tasks
through these helpers.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (tests run as root), and nothing that reaches out to Google's servers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PASSWORD = "correct-horse-battery"


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def local_date(when: datetime) -> str:
    """The value a date input takes (browser and test share the machine's time zone)."""
    return when.strftime("%Y-%m-%d")


def local_time(when: datetime) -> str:
    """The value a time input takes."""
    return when.strftime("%H:%M")


def sign_up(page: Page, base_url: str, email: str, name: str = "E2E User") -> None:
    page.goto(f"{base_url}/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/tasks$"))
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/tasks$"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def task_titles(page: Page) -> Locator:
    return page.get_by_test_id("task-title")


def task_item(page: Page, title: str) -> Locator:
    return page.get_by_test_id("task-item").filter(has=page.get_by_test_id("task-title").get_by_text(title, exact=True))


def filters(page: Page) -> Locator:
    return page.get_by_role("search", name="Search and filter tasks")


def add_task(page: Page, title: str, priority: str, tags: str, due: datetime) -> None:
    form = page.get_by_role("form", name="Add a task")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Priority").select_option(priority)
    form.get_by_label("Tags").fill(tags)
    form.get_by_label("Due date").fill(local_date(due))
    form.get_by_label("Time").fill(local_time(due))
    form.get_by_role("button", name="Add task").click()
    expect(task_item(page, title)).to_be_visible()
    expect(form.get_by_label("Title")).to_have_value("")
