"""Liveness (process up, no dependencies) and readiness (DB reachable, schema at head)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from todo_core.health import database_readiness

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready", responses={503: {"description": "A dependency is not ready"}})
async def health_ready(request: Request) -> JSONResponse:
    ready, body = await database_readiness(request.app.state.engine)
    return JSONResponse(body, status_code=200 if ready else 503)
