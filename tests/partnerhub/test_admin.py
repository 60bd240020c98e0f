"""The Django admin serves platform staff the core tables, and nobody else."""

import html

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def staff_client(db) -> Client:
    staff = UserFactory(email="staff@partnerhub.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/admin/partnerhub/user/",
        "/admin/partnerhub/workspace/",
        "/admin/partnerhub/membership/",
        "/admin/partnerhub/invitation/",
        "/admin/partnerhub/apikey/",
    ],
)
def test_staff_see_core_tables(staff_client, cast_a, path):
    response = staff_client.get(path)
    assert response.status_code == 200


@pytest.mark.django_db
def test_workspace_change_page_lists_members(staff_client, cast_a):
    response = staff_client.get(f"/admin/partnerhub/workspace/{cast_a.workspace.pk}/change/")
    assert response.status_code == 200
    assert html.escape(str(cast_a.admin)) in response.content.decode()


@pytest.mark.django_db
def test_workspace_admins_are_not_platform_staff(cast_a):
    response = cast_a.client("admin").get("/admin/partnerhub/workspace/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
