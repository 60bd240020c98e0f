"""The UI shell and the workspace admin pages: settings and members."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from partnerhub.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def membership_of(cast, role: str) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(workspace=cast.workspace, user=cast.user(role))


def admin_pages(cast) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, url) of every admin page of this module, for the access tests."""
    viewer_pk = membership_of(cast, "viewer").pk
    return [
        ("get", url("workspace_settings", cast)),
        ("post", url("workspace_settings", cast)),
        ("get", url("workspace_members", cast)),
        ("get", url("workspace_member", cast, pk=viewer_pk)),
        ("post", url("workspace_member", cast, pk=viewer_pk)),
        ("post", url("workspace_member_remove", cast, pk=viewer_pk)),
    ]


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Access ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "partner", "viewer"])
def test_admin_pages_are_forbidden_to_other_roles(cast_a, role):
    client = cast_a.client(role)
    for method, page in admin_pages(cast_a):
        response = getattr(client, method)(page, {"role": "admin", "name": "Taken over"})
        assert response.status_code == 403, (method, page)
        assert b"You cannot do this here" in response.content
    cast_a.workspace.refresh_from_db()
    assert cast_a.workspace.name == "Workspace A"
    assert membership_of(cast_a, "viewer").role == Role.VIEWER


def test_admin_pages_of_another_workspace_are_404(cast_a, cast_b):
    client = cast_b.client("admin")
    for method, page in admin_pages(cast_a):
        response = getattr(client, method)(page, {"role": "viewer", "name": "Taken over"})
        assert response.status_code == 404, (method, page)
        assert b"Page not found" in response.content
    assert Membership.objects.filter(workspace=cast_a.workspace).count() == 4


def test_member_of_another_workspace_is_404_inside_my_workspace(cast_a, cast_b):
    """The right workspace in the URL, but a member pk of workspace B."""
    client = cast_a.client("admin")
    other_pk = membership_of(cast_b, "viewer").pk
    assert client.get(url("workspace_member", cast_a, pk=other_pk)).status_code == 404
    response = client.post(url("workspace_member", cast_a, pk=other_pk), {"role": "admin"})
    assert response.status_code == 404
    assert client.post(url("workspace_member_remove", cast_a, pk=other_pk)).status_code == 404
    assert membership_of(cast_b, "viewer").role == Role.VIEWER


def test_anonymous_is_sent_to_login(cast_a):
    response = Client().get(url("workspace_settings", cast_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_remove_answers_only_post(cast_a):
    page = url("workspace_member_remove", cast_a, pk=membership_of(cast_a, "viewer").pk)
    assert cast_a.client("admin").get(page).status_code == 405


# --- Settings -------------------------------------------------------------------------


def test_settings_page_shows_current_values(cast_a):
    response = cast_a.client("admin").get(url("workspace_settings", cast_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Workspace A"' in html
    assert '<option value="Europe/Berlin" selected>' in html
    assert "Require two-factor authentication for every member" in html


def test_admin_saves_settings_and_is_redirected(cast_a):
    page = url("workspace_settings", cast_a)
    response = cast_a.client("admin").post(
        page, {"name": "Youth Jobs Initiative", "timezone": "America/Chicago"}
    )
    assert response.status_code == 302
    assert response["Location"] == page
    assert messages_of(response) == ["Workspace settings saved."]
    cast_a.workspace.refresh_from_db()
    assert cast_a.workspace.name == "Youth Jobs Initiative"
    assert cast_a.workspace.timezone == "America/Chicago"
    assert cast_a.workspace.require_mfa is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "X", "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"name": "X", "timezone": "localtime"}, "timezone"),
        ({"name": "   ", "timezone": "UTC"}, "name"),
        ({"name": "x" * 201, "timezone": "UTC"}, "name"),
    ],
)
def test_invalid_settings_are_refused_on_the_form(cast_a, data, field):
    response = cast_a.client("admin").post(url("workspace_settings", cast_a), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert b"The settings were not saved" in response.content
    cast_a.workspace.refresh_from_db()
    assert (cast_a.workspace.name, cast_a.workspace.timezone) == ("Workspace A", "Europe/Berlin")


def test_requiring_mfa_needs_the_admins_own_mfa_first(cast_a):
    response = cast_a.client("admin").post(
        url("workspace_settings", cast_a),
        {"name": "Workspace A", "timezone": "UTC", "require_mfa": "on"},
    )
    assert response.status_code == 200
    assert (
        "Set up two-factor authentication for your own account first."
        in (response.context["form"].errors["require_mfa"])
    )
    cast_a.workspace.refresh_from_db()
    assert cast_a.workspace.require_mfa is False


def test_admin_with_mfa_can_require_it(cast_a):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(
        user=cast_a.admin, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    response = cast_a.client("admin").post(
        url("workspace_settings", cast_a),
        {"name": "Workspace A", "timezone": "UTC", "require_mfa": "on"},
    )
    assert response.status_code == 302
    cast_a.workspace.refresh_from_db()
    assert cast_a.workspace.require_mfa is True


# --- Members --------------------------------------------------------------------------


def test_members_page_lists_this_workspace_only(cast_a, cast_b):
    response = cast_a.client("admin").get(url("workspace_members", cast_a))
    assert response.status_code == 200
    html = response.content.decode()
    for role in ("admin", "coordinator", "partner", "viewer"):
        assert f"{role}.a@example.org" in html
        assert f"{role}.b@example.org" not in html
    assert "Org A1" in html  # the partner's organization
    partner_pk = membership_of(cast_a, "partner").pk
    assert url("workspace_member", cast_a, pk=partner_pk) in html


def test_member_page_shows_role_and_organization_choices(cast_a, cast_b):
    page = url("workspace_member", cast_a, pk=membership_of(cast_a, "partner").pk)
    response = cast_a.client("admin").get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="partner" selected>' in html
    assert f'<option value="{cast_a.organization.pk}" selected>Org A1</option>' in html
    assert "Org A2" in html
    assert "Org B1" not in html


def test_admin_changes_a_role(cast_a):
    viewer = membership_of(cast_a, "viewer")
    response = cast_a.client("admin").post(
        url("workspace_member", cast_a, pk=viewer.pk), {"role": "coordinator", "organization": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == url("workspace_members", cast_a)
    assert messages_of(response) == [f"{cast_a.viewer.display_name} is now coordinator."]
    viewer.refresh_from_db()
    assert viewer.role == Role.COORDINATOR
    assert viewer.organization is None


def test_admin_makes_someone_a_partner_of_an_organization(cast_a):
    viewer = membership_of(cast_a, "viewer")
    response = cast_a.client("admin").post(
        url("workspace_member", cast_a, pk=viewer.pk),
        {"role": "partner", "organization": cast_a.other_organization.pk},
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert (viewer.role, viewer.organization_id) == (Role.PARTNER, cast_a.other_organization.pk)


def test_organization_is_dropped_for_roles_other_than_partner(cast_a):
    partner = membership_of(cast_a, "partner")
    response = cast_a.client("admin").post(
        url("workspace_member", cast_a, pk=partner.pk),
        {"role": "viewer", "organization": cast_a.organization.pk},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.role, partner.organization_id) == (Role.VIEWER, None)


def test_partner_needs_an_organization(cast_a):
    viewer = membership_of(cast_a, "viewer")
    response = cast_a.client("admin").post(
        url("workspace_member", cast_a, pk=viewer.pk), {"role": "partner", "organization": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["organization"] == [
        "A partner must represent an organization."
    ]
    assert b"The change was not saved" in response.content
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER


def test_organization_of_another_workspace_is_refused(cast_a, cast_b):
    viewer = membership_of(cast_a, "viewer")
    response = cast_a.client("admin").post(
        url("workspace_member", cast_a, pk=viewer.pk),
        {"role": "partner", "organization": cast_b.organization.pk},
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert b"Org B1" not in response.content
    viewer.refresh_from_db()
    assert (viewer.role, viewer.organization_id) == (Role.VIEWER, None)


@pytest.mark.parametrize("value", ["abc", "999999", "-1"])
def test_unknown_role_or_organization_is_a_form_error(cast_a, value):
    viewer = membership_of(cast_a, "viewer")
    page = url("workspace_member", cast_a, pk=viewer.pk)
    client = cast_a.client("admin")
    assert client.post(page, {"role": "partner", "organization": value}).status_code == 200
    assert client.post(page, {"role": value}).status_code == 200
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER


def test_last_admin_cannot_be_demoted(cast_a):
    admin = membership_of(cast_a, "admin")
    response = cast_a.client("admin").post(
        url("workspace_member", cast_a, pk=admin.pk), {"role": "viewer"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == ["The workspace needs at least one admin."]
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_last_admin_cannot_be_removed(cast_a):
    admin = membership_of(cast_a, "admin")
    response = cast_a.client("admin").post(url("workspace_member_remove", cast_a, pk=admin.pk))
    assert response.status_code == 200
    assert response.context["remove_errors"] == ["The workspace needs at least one admin."]
    assert b"The workspace needs at least one admin." in response.content
    assert Membership.objects.filter(pk=admin.pk).exists()


def test_admin_removes_a_member(cast_a):
    viewer = membership_of(cast_a, "viewer")
    response = cast_a.client("admin").post(url("workspace_member_remove", cast_a, pk=viewer.pk))
    assert response.status_code == 302
    assert response["Location"] == url("workspace_members", cast_a)
    assert messages_of(response) == [f"{cast_a.viewer.display_name} was removed from Workspace A."]
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    # The removed person no longer sees the workspace at all.
    assert cast_a.client("viewer").get(url("workspace_overview", cast_a)).status_code == 404


def test_admin_who_steps_down_lands_on_the_overview(cast_a):
    MembershipFactory(workspace=cast_a.workspace, role=Role.ADMIN)
    me = membership_of(cast_a, "admin")
    client = cast_a.client("admin")
    response = client.post(url("workspace_member", cast_a, pk=me.pk), {"role": "coordinator"})
    assert response.status_code == 302
    assert response["Location"] == url("workspace_overview", cast_a)
    assert client.get(url("workspace_members", cast_a)).status_code == 403


def test_admin_who_leaves_lands_on_home(cast_a):
    MembershipFactory(workspace=cast_a.workspace, role=Role.ADMIN)
    me = membership_of(cast_a, "admin")
    client = cast_a.client("admin")
    response = client.post(url("workspace_member_remove", cast_a, pk=me.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("home") + "?stay=1"
    assert client.get(url("workspace_overview", cast_a)).status_code == 404


def test_members_page_query_count_does_not_grow_with_members(cast_a, django_assert_num_queries):
    client = cast_a.client("admin")
    page = url("workspace_members", cast_a)
    roles = [Role.VIEWER, Role.PARTNER, Role.COORDINATOR]

    def add_members(count: int) -> None:
        for i in range(count):
            role = roles[i % len(roles)]
            MembershipFactory(
                workspace=cast_a.workspace,
                role=role,
                organization=cast_a.organization if role == Role.PARTNER else None,
            )

    # user (the session comes from the cache), the user's memberships with their
    # workspaces (the page's and the switcher's, one query), the members with user and
    # organization, the navigation's unread reminder count; on PostgreSQL also the
    # transaction's set_config of the workspace; plus the savepoint pair of the request's
    # atomic block.
    expected = 6 + (1 if settings.IS_POSTGRES else 0)
    add_members(3)
    with django_assert_num_queries(expected):
        response = client.get(page)
    assert len(response.context["members"]) == 7
    add_members(17)
    with django_assert_num_queries(expected):
        response = client.get(page)
    assert len(response.context["members"]) == 24


# --- Home, overview and the shell -------------------------------------------------------


def test_home_lists_only_my_workspaces(cast_a, cast_b):
    second = WorkspaceFactory(name="Coastal Resilience Network")
    MembershipFactory(workspace=second, user=cast_a.coordinator, role=Role.VIEWER)
    response = cast_a.client("coordinator").get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert [m.workspace for m in response.context["memberships"]] == [
        second,
        cast_a.workspace,
    ]
    assert "Coastal Resilience Network" in html
    assert url("workspace_overview", cast_a) in html
    assert "Workspace B" not in html
    assert url("workspace_overview", cast_b) not in html


def test_home_with_one_workspace_goes_straight_there_unless_asked_to_stay(cast_a):
    client = cast_a.client("viewer")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == url("workspace_overview", cast_a)
    assert client.get(reverse("home") + "?stay=1").status_code == 200


def test_home_without_workspaces_explains_invitations(db):
    client = Client()
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"not a member of any workspace yet" in response.content


def test_overview_for_admins_links_to_the_admin_pages(cast_a, cast_b):
    response = cast_a.client("admin").get(url("workspace_overview", cast_a))
    assert response.status_code == 200
    assert response.context["organization_count"] == 2
    assert response.context["member_count"] == 4
    assert response.context["pending_invitation_count"] == 0
    html = response.content.decode()
    assert url("workspace_settings", cast_a) in html
    assert url("workspace_members", cast_a) in html
    assert "You are admin in this workspace" in html


def test_overview_for_a_partner_names_their_organization_and_hides_admin_links(cast_a):
    response = cast_a.client("partner").get(url("workspace_overview", cast_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "representing Org A1" in html
    assert url("workspace_settings", cast_a) not in html
    assert url("workspace_members", cast_a) not in html
    assert response.context["pending_invitation_count"] is None


def test_shell_has_landmarks_skip_link_switcher_and_current_page(cast_a):
    second = WorkspaceFactory(name="Second Workspace")
    MembershipFactory(workspace=second, user=cast_a.admin, role=Role.VIEWER)
    html = cast_a.client("admin").get(url("workspace_members", cast_a)).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html
    assert 'aria-label="Workspace"' in html
    assert f'<a href="{url("workspace_members", cast_a)}" aria-current="page">Members</a>' in html
    assert '<details class="switcher">' in html
    assert reverse("workspace_overview", kwargs={"workspace_slug": second.slug}) in html
    assert "style=" not in html  # the CSP allows no inline styles
    assert "<script>" not in html  # nor inline scripts


def test_shell_hides_admin_links_from_other_roles(cast_a):
    html = cast_a.client("viewer").get(url("workspace_overview", cast_a)).content.decode()
    assert f'href="{url("workspace_overview", cast_a)}" aria-current="page"' in html
    assert url("workspace_settings", cast_a) not in html
    assert url("workspace_members", cast_a) not in html


def test_messages_are_shown_after_redirect(cast_a):
    client = cast_a.client("admin")
    response = client.post(
        url("workspace_settings", cast_a), {"name": "Renamed", "timezone": "UTC"}, follow=True
    )
    assert b"Workspace settings saved." in response.content
    assert b'aria-label="Messages"' in response.content


def test_404_page_uses_the_layout(cast_a):
    response = cast_a.client("admin").get("/w/no-such-workspace/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b'<main id="main"' in response.content


def test_500_page_renders_without_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert '<html lang="en">' in html
    from django.views.defaults import server_error

    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


@pytest.mark.django_db(transaction=True)
def test_form_choices_are_rendered_inside_the_request_transaction(cast_a):
    """Under Row-Level Security the workspace is set only inside the request's transaction:
    a form's organization choices must be read before it ends, or none would show."""
    page = url("workspace_member", cast_a, pk=membership_of(cast_a, "partner").pk)
    html = cast_a.client("admin").get(page).content.decode()
    assert f'<option value="{cast_a.other_organization.pk}">Org A2</option>' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("partner", "/w/ws-a/my-work/"),
        ("coordinator", "/w/ws-a/"),
        ("admin", "/w/ws-a/"),
        ("viewer", "/w/ws-a/"),
    ],
)
def test_home_lands_a_single_workspace_member_where_their_work_is(cast_a, role, landing):
    response = cast_a.client(role).get("/")
    assert response.status_code == 302
    assert response["Location"] == landing
    assert cast_a.client(role).get(landing).status_code == 200
