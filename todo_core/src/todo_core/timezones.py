"""The user's time zone as the chat API takes it: an IANA name such as "Asia/Tokyo", default UTC.

No database imports: the backend and the agent (which has none) validate with the same type.
Zone data comes from the system's tz database, or the `tzdata` package where a slim image has none.
"""

from __future__ import annotations

import functools
import zoneinfo
from typing import Annotated

from pydantic import AfterValidator, Field

DEFAULT_TIMEZONE = "UTC"
TIMEZONE_MAX = 64  # the longest IANA name is 32 characters


# In some tz databases' file lists, but not zones a browser would name.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@functools.cache
def _known() -> frozenset[str]:
    return (frozenset(zoneinfo.available_timezones()) - _NOT_ZONES) | {DEFAULT_TIMEZONE}


def _known_zone(name: str) -> str:
    # Membership in the list, not just ZoneInfo(name): that also opens files such as "localtime".
    if name not in _known():
        raise ValueError(f"{name!r} is not an IANA time zone name; use one like 'Europe/Paris' or 'UTC'")
    return name


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=TIMEZONE_MAX, examples=["Asia/Tokyo"], description="IANA time zone name"),
    AfterValidator(_known_zone),
]


@functools.cache
def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone for a validated name (None: UTC)."""
    return zoneinfo.ZoneInfo(name or DEFAULT_TIMEZONE)
