"""The stateless chat cycle: history from the DB, the agent in the middle, everything stored."""

from fastapi import APIRouter, HTTPException, status

from backend.agent_client import AgentUnavailable, ask_agent
from backend.api.responses import USER_ROUTE, not_found
from backend.deps import AgentClientDep, PathUser, SessionFactoryDep
from todo_core.conversations import HISTORY_LIMIT, ConversationRepository
from todo_core.models import Role
from todo_core.schemas import ChatIn, ChatOut

router = APIRouter(prefix="/api/{user_id}", tags=["chat"])


@router.post(
    "/chat",
    responses={
        **USER_ROUTE,
        **not_found("conversation"),
        503: {"description": "The AI assistant is unavailable; the user's message was stored"},
    },
)
async def chat(body: ChatIn, user: PathUser, sessions: SessionFactoryDep, agent: AgentClientDep) -> ChatOut:
    # The user's message is committed before the agent runs, so a failed turn loses nothing,
    # and no DB connection is held while the model thinks.
    async with sessions.begin() as session:
        repo = ConversationRepository(session, user.id)
        if body.conversation_id is None:  # a new conversation has no history to read
            conversation_id, earlier = (await repo.create(body.message)).id, []
        else:  # `messages` checks the conversation is the user's (404 otherwise)
            conversation_id = body.conversation_id
            earlier = await repo.messages(conversation_id, last=HISTORY_LIMIT)
        await repo.add_message(conversation_id, Role.user, body.message)
    history = [{"role": m.role.value, "content": m.content} for m in earlier if m.role is not Role.tool]
    history.append({"role": "user", "content": body.message})

    try:
        reply, tool_calls = await ask_agent(agent, user.token, history)
    except AgentUnavailable as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"{exc}; your message was saved, please try again shortly",
        ) from exc

    async with sessions.begin() as session:
        await ConversationRepository(session, user.id).add_message(
            conversation_id, Role.assistant, reply, [c.model_dump(mode="json") for c in tool_calls] or None
        )
    return ChatOut(conversation_id=conversation_id, response=reply, tool_calls=tool_calls)
