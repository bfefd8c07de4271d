"""Which of the user's tasks "the groceries one" means: word overlap with light stemming."""

from __future__ import annotations

import re
from typing import Any

STOPWORDS = frozenset(
    "a an the my our your to for of and or on in at with about from by that this it one ones task tasks todo "
    "todos item items thing things reminder i me is be".split()
)


def stem(word: str) -> str:
    word = word.lower()
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def tokens(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS]


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 4 and longer.startswith(shorter)


def score(words: str, title: str) -> float:
    """Share of the reference's words found in the title (1.0 = every word)."""
    wanted, have = tokens(words), tokens(title)
    if not wanted:
        return 0.0
    return sum(any(_same(w, h) for h in have) for w in wanted) / len(wanted)


def best_matches(words: str, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks `words` most plausibly means: an exact title, else all full matches, else the
    best partial matches (at least half the words)."""
    wanted = words.strip().lower()
    exact = [t for t in tasks if str(t.get("title", "")).strip().lower() == wanted]
    if exact:
        return exact
    scored = [(score(words, str(t.get("title", ""))), t) for t in tasks]
    top = max((s for s, _ in scored), default=0.0)
    if top < 0.5:
        return []
    return [t for s, t in scored if s == top]


def search_keyword(words: str) -> str:
    """The one word sent as `list_tasks(query=...)`: the longest meaningful word, as typed."""
    candidates = [w for w in re.findall(r"[A-Za-z0-9]+", words) if w.lower() not in STOPWORDS]
    return max(candidates, key=len) if candidates else words.strip()
