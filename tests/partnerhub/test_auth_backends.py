"""The sign-in backends read the signed-in person by one prepared statement
(partnerhub.auth_backends): the same person as the ORM reads, inactive people refused,
and signing in and out works through them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from partnerhub.auth_backends import AuthenticationBackend, ModelBackend, user_by_id
from partnerhub.models import User

pytestmark = pytest.mark.django_db


def test_user_by_id_is_the_orms_user(cast_a, django_assert_num_queries):
    expected = User.objects.get(pk=cast_a.admin.pk)
    with django_assert_num_queries(1):
        found = user_by_id(str(cast_a.admin.pk))
    assert found is not None
    names = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(found, n) for n in names] == [getattr(expected, n) for n in names]
    assert found.get_session_auth_hash() == expected.get_session_auth_hash()
    assert not found._state.adding
    assert user_by_id(10**9) is None


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_inactive_people_are_not_signed_in(cast_a, backend):
    assert backend().get_user(cast_a.viewer.pk).pk == cast_a.viewer.pk
    User.objects.filter(pk=cast_a.viewer.pk).update(is_active=False)
    assert backend().get_user(cast_a.viewer.pk) is None


def test_settings_name_these_backends_and_a_session_works(cast_a, client):
    assert settings.AUTHENTICATION_BACKENDS == [
        "partnerhub.auth_backends.ModelBackend",
        "partnerhub.auth_backends.AuthenticationBackend",
    ]
    client.force_login(cast_a.admin)
    assert client.session["_auth_user_backend"] == "partnerhub.auth_backends.ModelBackend"
    page = client.get(reverse("workspace_overview", args=[cast_a.workspace.slug]))
    assert page.status_code == 200
    assert page.wsgi_request.user.pk == cast_a.admin.pk
