"""Bearer tokens: issue them, store only their hash, and find the user behind a request.

A token is 32 random bytes (URL-safe text with a ``gpuq_`` prefix). Having
that much entropy, it needs no slow password hash: the store keeps its
SHA-256, which is useless to someone who reads the database, and looks the
user up by that hash through a unique index.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from ..exceptions import UserError, UserExistsError
from .store import JobStore
from .users import User

TOKEN_PREFIX = "gpuq_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")


def new_token() -> str:
    """A fresh random bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(store: JobStore, name: str, replace_token: bool = False) -> str:
    """Create a user (or give one a new token) and return the token; it is never shown again.

    Raises:
        UserExistsError: the name is taken and ``replace_token`` is False.
        UserError: the name has characters other than letters, digits and ``._@-``.
    """
    if not _NAME.match(name):
        raise UserError(
            name, "a user name has only letters, digits and ._@- (at most 200 characters, the first a letter or digit)"
        )
    token = new_token()
    if not store.add_user(name, hash_token(token), replace_token=replace_token):
        raise UserExistsError(name)
    return token


def authenticate(store: JobStore, authorization: str | None) -> User | None:
    """The user named by an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return store.user_by_token_hash(hash_token(token))
