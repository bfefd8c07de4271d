"""A user's conversations and their messages (read-only; chat writes them)."""

from typing import Annotated

from fastapi import APIRouter, Path

from backend.api.responses import USER_ROUTE, not_found
from backend.deps import PathUser, SessionDep
from todo_core.conversations import ConversationRepository
from todo_core.schemas import INT32_MAX, ConversationOut, MessageOut

router = APIRouter(prefix="/api/{user_id}/conversations", tags=["chat"])


@router.get("", responses=USER_ROUTE)
async def list_conversations(user: PathUser, session: SessionDep) -> list[ConversationOut]:
    return [ConversationOut.model_validate(c) for c in await ConversationRepository(session, user.id).list()]


@router.get("/{conversation_id}/messages", responses={**USER_ROUTE, **not_found("conversation")})
async def list_messages(
    user: PathUser, session: SessionDep, conversation_id: Annotated[int, Path(ge=1, le=INT32_MAX)]
) -> list[MessageOut]:
    messages = await ConversationRepository(session, user.id).messages(conversation_id)
    return [MessageOut.model_validate(m) for m in messages]
