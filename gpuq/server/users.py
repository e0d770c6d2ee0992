"""The users table: names and hashed tokens.

A mixin of ``JobStore`` (which gives it ``engine``), kept apart because it
never touches a job.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .db import transaction, users, utcnow


@dataclass(frozen=True)
class User:
    """A user of the server."""

    id: int
    name: str


class UserRegistry:
    """Users are added by an administrator and found by the hash of their token."""

    engine: Engine

    def add_user(self, name: str, token_hash: str, replace_token: bool = False) -> bool:
        """Create a user, or give an existing one a new token when ``replace_token``.

        Returns False when the user exists and ``replace_token`` is False.
        """
        with transaction(self.engine, write=True) as conn:
            existing = conn.execute(sa.select(users.c.id).where(users.c.name == name)).first()
            if existing is None:
                conn.execute(users.insert().values(name=name, token_hash=token_hash, created_at=utcnow()))
                return True
            if not replace_token:
                return False
            conn.execute(users.update().where(users.c.id == existing.id).values(token_hash=token_hash))
            return True

    def user_by_token_hash(self, token_hash: str) -> User | None:
        """The user holding the token of this hash, or None."""
        with transaction(self.engine) as conn:
            row = conn.execute(sa.select(users.c.id, users.c.name).where(users.c.token_hash == token_hash)).first()
        return None if row is None else User(row.id, row.name)

    def users_by_id(self) -> dict[int, str]:
        """Every user's name, by id."""
        with transaction(self.engine) as conn:
            return {row.id: row.name for row in conn.execute(sa.select(users.c.id, users.c.name))}

    def user_names(self) -> list[str]:
        """Every user's name, sorted."""
        with transaction(self.engine) as conn:
            return sorted(conn.execute(sa.select(users.c.name)).scalars())
