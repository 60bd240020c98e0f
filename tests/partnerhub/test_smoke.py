import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_member_sees_workspace_and_outsider_gets_404(cast_a, cast_b):
    url = reverse("workspace_overview", kwargs={"workspace_slug": cast_a.workspace.slug})
    assert cast_a.client("viewer").get(url).status_code == 200
    assert cast_b.client("admin").get(url).status_code == 404
