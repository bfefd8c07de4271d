"""Task CRUD for one user; every rule is in todo_core's TaskRepository."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from backend.api.responses import USER_ROUTE, not_found
from backend.deps import PathUser, SessionDep, autocommit
from todo_core.schemas import INT32_MAX, TaskCreate, TaskOut, TaskPage, TaskQuery, TaskUpdate
from todo_core.tasks import TaskRepository

router = APIRouter(prefix="/api/{user_id}/tasks", tags=["tasks"])
TaskIdPath = Annotated[int, Path(ge=1, le=INT32_MAX, description="Task id")]
_NOT_FOUND = {**USER_ROUTE, **not_found("task")}


@router.get("", responses=USER_ROUTE)
async def list_tasks(request: Request, user: PathUser, query: Annotated[TaskQuery, Query()]) -> TaskPage:
    async with autocommit(request) as connection:
        return await TaskRepository(connection, user.id).list(query)


@router.post("", status_code=status.HTTP_201_CREATED, responses=USER_ROUTE)
async def create_task(request: Request, user: PathUser, body: TaskCreate) -> TaskOut:
    async with autocommit(request) as connection:
        return await TaskRepository(connection, user.id).create(body)


@router.get("/{task_id}", responses=_NOT_FOUND)
async def get_task(request: Request, user: PathUser, task_id: TaskIdPath) -> TaskOut:
    async with autocommit(request) as connection:
        return await TaskRepository(connection, user.id).get(task_id)


@router.put("/{task_id}", responses=_NOT_FOUND)
async def update_task(user: PathUser, session: SessionDep, task_id: TaskIdPath, body: TaskUpdate) -> TaskOut:
    return await TaskRepository(session, user.id).update(task_id, body)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
async def delete_task(user: PathUser, session: SessionDep, task_id: TaskIdPath) -> Response:
    await TaskRepository(session, user.id).delete(task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/{task_id}/complete", responses=_NOT_FOUND)
async def toggle_task_complete(user: PathUser, session: SessionDep, task_id: TaskIdPath) -> TaskOut:
    return await TaskRepository(session, user.id).toggle_complete(task_id)
