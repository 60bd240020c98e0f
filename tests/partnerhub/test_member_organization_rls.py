"""A partner's organization shows on their pages when every request is its own
transaction, as in production: the organization row is under Row-Level Security, so it
is read only once the workspace is set (a join made before would find nothing)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_partner_pages_name_the_organization(cast_a):  # type: ignore[no-untyped-def]
    client = cast_a.client("partner")
    slug = cast_a.workspace.slug
    overview = client.get(reverse("workspace_overview", kwargs={"workspace_slug": slug}))
    assert overview.status_code == 200
    assert f"representing {cast_a.organization.name}" in overview.content.decode()
    my_work = client.get(reverse("my_work", kwargs={"workspace_slug": slug}))
    assert my_work.status_code == 200
    text = " ".join(my_work.content.decode().split())
    assert f"The milestones {cast_a.organization.name} is Responsible" in text
