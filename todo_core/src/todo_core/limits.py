"""The size limits of every stored text (and the time a date-only due date means), in one place
without database imports.

The models, the API schemas, the MCP tools, the agent (which has no database libraries) and, through
the OpenAPI schema, the frontend all read these.
"""

from typing import Annotated

from pydantic import StringConstraints

TITLE_MAX = 200
DESCRIPTION_MAX = 1000
TAG_MAX = 32
TAGS_MAX = 10
# One chat message (the user's, or the assistant's reply): the chat input, the API and the agent agree.
MESSAGE_MAX = 10_000
# What counts as a message at all: something left after pydantic strips whitespace (Python's
# `str.strip()` strips more, e.g. "\x1e", so the backend and the agent must not each decide).
MessageText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MESSAGE_MAX)]
# A due date given without a time of day means this time, in the user's own time zone: what the
# web form fills in and what the assistant uses for "due Friday". Noon, not midnight, so the
# task stays on the same calendar day wherever it is shown.
DATE_ONLY_DUE_TIME = "12:00"
