"""The "Suggested partners" page and its "Add as member" action: who may see and use it,
what it shows, what it changes, and its number of queries."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.tenancy import workspace_context
from partners.models import MemberRole, Partnership, PartnershipMember
from partners.services.organizations import organization_update
from tests.partners.org_helpers import make_org
from tests.partners.partnership_helpers import make_partnership

pytestmark = pytest.mark.django_db


def suggestions_url(cast, partnership_pk: int, slug: str | None = None) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "partnership_suggestions",
        kwargs={"workspace_slug": slug or cast.workspace.slug, "pk": partnership_pk},
    )


def detail_url(cast, partnership: Partnership) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "partnership_detail", kwargs={"workspace_slug": cast.workspace.slug, "pk": partnership.pk}
    )


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


def current_members(partnership: Partnership) -> list[tuple[str, list[str]]]:
    with workspace_context(partnership.workspace):
        return sorted(
            (m.organization.name, m.roles)
            for m in PartnershipMember.objects.filter(
                partnership=partnership, left_on__isnull=True
            ).select_related("organization")
        )


@pytest.fixture
def scene(cast_a):  # type: ignore[no-untyped-def]
    """A partnership needing funding whose member (the cast's Org A1) needs volunteers and
    works on SDG 4; two organizations that could help and one that could not."""
    with workspace_context(cast_a.workspace):
        organization_update(
            workspace=cast_a.workspace,
            actor=None,
            organization=cast_a.organization,
            name=cast_a.organization.name,
            sector="nonprofit",
            needs=["volunteers"],
            sdgs=[4],
        )
    bank = make_org(cast_a.workspace, "Harbour Bank", sector="business", offers=["funding"])
    corps = make_org(cast_a.workspace, "Volunteer Corps", offers=["volunteers"], sdgs=[4])
    make_org(cast_a.workspace, "Forest Trust", offers=["advocacy"], sdgs=[15])
    partnership = make_partnership(cast_a, needs=["funding"])
    return partnership, bank, corps


# --- Who may see it ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_admins_and_coordinators_see_ranked_explained_suggestions(cast_a, scene, role):
    partnership, bank, corps = scene
    response = cast_a.client(role).get(suggestions_url(cast_a, partnership.pk))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.suggestion.organization.name for r in rows] == ["Harbour Bank", "Volunteer Corps"]
    assert rows[0].sector == "Business"
    html = response.content.decode()
    assert "Offers funding (needed by the partnership), which no member offers." in html
    assert (
        "Offers volunteers (needed by Org A1), which no member offers; "
        "shares SDG 4 (Quality education)." in html
    )
    assert "Forest Trust" not in html
    assert (
        reverse(
            "organization_detail", kwargs={"workspace_slug": cast_a.workspace.slug, "pk": bank.pk}
        )
        in html
    )
    # One "Add as member" form per suggestion, its role chosen from the member roles.
    assert html.count("Add as member") == 2
    assert f'value="{corps.pk}"' in html
    assert f'<option value="{MemberRole.IMPLEMENTER}" selected>' in html
    assert "Declared needs no member offers: funding." in html
    assert "Volunteers, needed by Org A1, which no member offers." in html


@pytest.mark.parametrize("role", ["partner", "viewer"])
def test_partners_and_viewers_who_see_the_partnership_are_refused(cast_a, scene, role):
    partnership, bank, _ = scene  # the partner's organization is a member: they see it
    client = cast_a.client(role)
    assert client.get(suggestions_url(cast_a, partnership.pk)).status_code == 403
    response = client.post(
        suggestions_url(cast_a, partnership.pk),
        {"organization": bank.pk, "role": MemberRole.FUNDER},
    )
    assert response.status_code == 403
    assert current_members(partnership) == [("Org A1", [MemberRole.IMPLEMENTER])]


def test_a_partner_gets_404_for_a_partnership_of_other_organizations(cast_a):
    partnership = make_partnership(cast_a, with_partner_org=False)
    client = cast_a.client("partner")
    assert client.get(suggestions_url(cast_a, partnership.pk)).status_code == 404
    assert client.post(suggestions_url(cast_a, partnership.pk), {}).status_code == 404


def test_another_workspace_gets_404(cast_a, cast_b, scene):
    partnership, bank, _ = scene
    outsider = cast_b.client("coordinator")
    for slug in (cast_a.workspace.slug, cast_b.workspace.slug):
        url = suggestions_url(cast_a, partnership.pk, slug=slug)
        assert outsider.get(url).status_code == 404
        response = outsider.post(url, {"organization": bank.pk, "role": MemberRole.FUNDER})
        assert response.status_code == 404
    assert current_members(partnership) == [("Org A1", [MemberRole.IMPLEMENTER])]


def test_an_unknown_partnership_is_404_and_anonymous_people_log_in_first(cast_a, scene):
    assert cast_a.client("coordinator").get(suggestions_url(cast_a, 999_999)).status_code == 404
    partnership, _, _ = scene
    response = Client().get(suggestions_url(cast_a, partnership.pk))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_partnership_page_links_to_the_suggestions_for_editors_only(cast_a, scene):
    partnership, _, _ = scene
    link = suggestions_url(cast_a, partnership.pk)
    assert (
        link in cast_a.client("coordinator").get(detail_url(cast_a, partnership)).content.decode()
    )
    assert link not in cast_a.client("viewer").get(detail_url(cast_a, partnership)).content.decode()


def test_without_anything_to_suggest_the_page_says_so(cast_a):
    partnership = make_partnership(cast_a, name="Quiet Partnership")
    response = cast_a.client("coordinator").get(suggestions_url(cast_a, partnership.pk))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "No organization outside the partnership offers what it lacks" in (
        response.content.decode()
    )


# --- Adding a suggestion ------------------------------------------------------------------


def test_add_as_member_creates_the_membership_with_the_chosen_role(cast_a, scene):
    partnership, bank, _ = scene
    client = cast_a.client("coordinator")
    response = client.post(
        suggestions_url(cast_a, partnership.pk),
        {"organization": bank.pk, "role": MemberRole.FUNDER},
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(cast_a, partnership) + "#members"
    assert messages_of(response) == ["Harbour Bank joined the partnership as a funder."]
    assert current_members(partnership) == [
        ("Harbour Bank", [MemberRole.FUNDER]),
        ("Org A1", [MemberRole.IMPLEMENTER]),
    ]
    # Now a member, it is no longer suggested; the declared need is covered.
    page = client.get(suggestions_url(cast_a, partnership.pk))
    assert [r.suggestion.organization.name for r in page.context["rows"]] == ["Volunteer Corps"]
    assert "Declared needs a member already offers: funding." in page.content.decode()


def test_adding_twice_is_refused_with_a_clear_message(cast_a, scene):
    partnership, _, corps = scene
    client = cast_a.client("admin")
    url = suggestions_url(cast_a, partnership.pk)
    first = client.post(url, {"organization": corps.pk, "role": MemberRole.IMPLEMENTER})
    assert first.status_code == 302
    second = client.post(url, {"organization": corps.pk, "role": MemberRole.ADVISOR})
    assert second.status_code == 302
    assert second["Location"] == url
    # (The first success message was not shown in between, so it is still queued.)
    assert messages_of(second) == [
        "Volunteer Corps joined the partnership as an implementer.",
        "Volunteer Corps is already a member of this partnership.",
    ]
    assert current_members(partnership) == [
        ("Org A1", [MemberRole.IMPLEMENTER]),
        ("Volunteer Corps", [MemberRole.IMPLEMENTER]),
    ]


def test_bad_input_adds_nothing(cast_a, cast_b, scene):
    partnership, bank, _ = scene
    client = cast_a.client("coordinator")
    url = suggestions_url(cast_a, partnership.pk)
    elsewhere = make_org(cast_b.workspace, "Elsewhere Fund", offers=["funding"])
    cases = [
        ({"organization": elsewhere.pk, "role": MemberRole.FUNDER}, "Choose an organization"),
        ({"organization": bank.pk, "role": "owner"}, "Select a valid choice"),
        ({"role": MemberRole.FUNDER}, "This field is required"),
    ]
    for data, message in cases:
        response = client.post(url, data, follow=True)
        assert response.redirect_chain == [(url, 302)]
        [text] = [str(m) for m in response.context["messages"]]
        assert message in text
        assert message in response.content.decode()
    assert current_members(partnership) == [("Org A1", [MemberRole.IMPLEMENTER])]


# --- Queries ------------------------------------------------------------------------------


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_query_count_does_not_grow_with_the_directory(cast_a, scene):
    partnership, _, _ = scene
    client = cast_a.client("coordinator")
    url = suggestions_url(cast_a, partnership.pk)
    client.get(url)
    few = _count(client, url)
    for i in range(12):
        make_org(cast_a.workspace, f"More {i:02d}", offers=["funding"], sdgs=[4])
    many = _count(client, url)
    assert few == many
    assert len(client.get(url).context["rows"]) == 10
