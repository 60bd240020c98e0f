"""The sign-in backends, each reading the signed-in person by one prepared statement.

Every signed-in page loads its person from the session's user id (Django's
``get_user``); Django's backends build an ORM query for it each time, which costs more
than running it. These are Django's and allauth's backends with that one read replaced by
a constant statement prepared once per connection (``partnerhub.prepared``), read into a
``User`` as the ORM builds one (``Model.from_db``). Everything else (authentication, the
inactive-user rule, permissions) is theirs. On SQLite, whose date-times need the ORM's
converters, the ORM reads it.
"""

from __future__ import annotations

import functools
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connection

from partnerhub.models import User
from partnerhub.prepared import ModelColumns, prepared_cursor


@functools.cache
def _user_columns() -> tuple[ModelColumns, str]:
    user = ModelColumns(User, "u")
    return user, f'SELECT {user.sql} FROM "{User._meta.db_table}" u WHERE u.id = %s'  # noqa: S608


def user_by_id(user_id: Any) -> User | None:
    """The person with this primary key, or None."""
    if connection.vendor != "postgresql":
        return User._default_manager.filter(pk=user_id).first()
    user, sql = _user_columns()
    with prepared_cursor() as cursor:
        cursor.execute(sql, [int(user_id)])
        row = cursor.fetchone()
    return None if row is None else user.instance(row)  # type: ignore[no-any-return]


class _ReadsUserOnce:
    def get_user(self, user_id: Any) -> User | None:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_ReadsUserOnce, DjangoModelBackend):
    """Django's ModelBackend (passwords, permissions)."""


class AuthenticationBackend(_ReadsUserOnce, AllauthBackend):
    """allauth's backend (sign-in by email)."""
