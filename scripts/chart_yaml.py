"""Reading helm/todo-app/values.yaml as text, for the scripts that generate files from it.

The generated files keep its comments, which a YAML parser drops; so they read lines, and
check what they produce against the parsed values.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHART = Path(__file__).resolve().parents[1] / "helm" / "todo-app"
VALUES = CHART / "values.yaml"
KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_./\"-]+|<<):\s*(?P<rest>.*)$")


@dataclass(frozen=True)
class Entry:
    key: str
    rest: str  # what follows "key:" on its line
    head: list[str]  # the comment lines right above the key, and the key's line
    body: list[str]  # the lines nested under it

    @property
    def lines(self) -> list[str]:
        return self.head + self.body


def entries(lines: list[str], indent: int) -> list[Entry]:
    """The keys of a block of YAML lines at `indent`, in order. Comments cut off from the next
    key by a blank line (section headers) belong to no key and are dropped."""
    found: list[Entry] = []
    pending: list[str] = []  # comment lines at `indent`, waiting for the key below them
    for line in lines:
        match = KEY.match(line)
        depth = len(line) - len(line.lstrip())
        if match and len(match["indent"]) == indent:
            found.append(Entry(match["key"].strip('"'), match["rest"], [*pending, line], []))
            pending = []
        elif line.strip().startswith("#") and depth <= indent:
            pending.append(line)
        elif not line.strip():
            if found and not pending:
                found[-1].body.append(line)
            pending = []
        elif found:
            found[-1].body.append(line)
    for entry in found:  # blank lines before the next key are not part of this one
        while entry.body and not entry.body[-1].strip():
            entry.body.pop()
    return found


def dedent(lines: list[str], width: int) -> list[str]:
    return [line[width:] for line in lines]


def write_or_check(description: str, render: Callable[[], dict[Path, str]], command: str) -> int:
    """A generator script's command line: write every file `render` returns, or with --check write
    nothing and exit 1 naming each file that is missing or out of date."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    args = parser.parse_args()
    files = render()
    if args.check:
        stale = [path for path, wanted in files.items() if not path.exists() or path.read_text() != wanted]
        for path in stale:
            print(f"{path} is out of date: run python {command}", file=sys.stderr)
        return 1 if stale else 0
    for path, wanted in files.items():
        path.write_text(wanted)
        print(f"wrote {path}")
    return 0
