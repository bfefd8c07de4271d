"""OpenAPI descriptions of the error responses routes share, defined once."""

from typing import Any

Responses = dict[int | str, dict[str, Any]]

UNAUTHORIZED: Responses = {401: {"description": "Not authenticated"}}
USER_ROUTE: Responses = {**UNAUTHORIZED, 403: {"description": "user_id is not the token's user"}}


def not_found(what: str) -> Responses:
    return {404: {"description": f"No such {what} for this user"}}


RATE_LIMITED: Responses = {
    429: {
        "description": "Too many attempts for this account or from this address; retry after `Retry-After` seconds",
        "headers": {"Retry-After": {"description": "Seconds until the limit resets", "schema": {"type": "integer"}}},
    }
}
