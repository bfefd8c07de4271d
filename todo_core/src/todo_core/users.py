"""Accounts: sign-up and password login."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from todo_core.auth import hash_password, verify_password
from todo_core.errors import EmailTaken
from todo_core.models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: str) -> User | None:
        return await self.session.get(User, user_id)

    async def by_email(self, email: str) -> User | None:
        stmt = select(User).where(func.lower(User.email) == email.strip().lower())
        return (await self.session.scalars(stmt)).one_or_none()

    async def create(self, email: str, password: str, name: str | None) -> User:
        # argon2 is deliberately slow (~50 ms): off the event loop, so other requests keep flowing.
        password_hash = await asyncio.to_thread(hash_password, password)
        user = User(email=email.strip().lower(), name=name, password_hash=password_hash)
        self.session.add(user)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:  # the unique index on lower(email) decides races too
            raise EmailTaken() from exc
        await self.session.refresh(user)
        return user

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user, or None; an unknown email costs the same hash work as a wrong password."""
        user = await self.by_email(email)
        if await asyncio.to_thread(verify_password, user.password_hash if user else None, password):
            return user
        return None
