"""The RACI matrix page, its cell form (without JavaScript and with htmx), and "My work"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import MilestoneStatus
from partnerhub.tenancy import workspace_context
from partners.services.partnerships import partnership_member_remove, workspace_today
from roles.models import RoleAssignment
from roles.services import role_assign
from tests.factories import OrganizationFactory
from tests.roles.helpers import (
    add_member,
    make_goal,
    make_milestone,
    make_partnership,
    setup_matrix,
)

pytestmark = pytest.mark.django_db


def matrix_url(cast, partnership) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "raci_matrix", kwargs={"workspace_slug": cast.workspace.slug, "pk": partnership.pk}
    )


def cell_url(cast, partnership) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "raci_cell", kwargs={"workspace_slug": cast.workspace.slug, "pk": partnership.pk}
    )


def my_work_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("my_work", kwargs={"workspace_slug": cast.workspace.slug})


def assign(cast, **kwargs):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return role_assign(workspace=cast.workspace, actor=cast.coordinator, **kwargs)


def roles_of(cast) -> list[tuple]:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return list(
            RoleAssignment.objects.for_workspace(cast.workspace).values_list(
                "milestone_id", "organization_id", "raci"
            )
        )


# --- The matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "coordinator", "viewer", "partner"])
def test_everyone_who_sees_the_partnership_sees_the_matrix(cast_a, role):
    partnership, goal, milestone = setup_matrix(cast_a)
    assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="A")
    response = cast_a.client(role).get(matrix_url(cast_a, partnership))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert 'class="table-scroll"' in html
    assert goal.title in html and milestone.title in html
    assert cast_a.other_organization.name in html
    editable = role in ("admin", "coordinator")
    assert ('name="raci"' in html) is editable
    if not editable:
        assert '<abbr title="Accountable">A</abbr>' in html


def test_gaps_are_flagged_in_the_summary_rows_and_columns(cast_a):
    partnership, goal, milestone = setup_matrix(cast_a)
    assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="A")
    html = cast_a.client("coordinator").get(matrix_url(cast_a, partnership)).content.decode()
    assert f"Goal “{goal.title}” has no Accountable organization." in html
    assert f"Milestone “{milestone.title}” has no Responsible organization." in html
    assert f"{cast_a.other_organization.name} has no role on any goal or milestone." in html
    assert html.count('class="gap-flag">No Accountable<') == 1
    assert html.count('class="gap-flag">No Responsible<') == 2
    assert html.count('class="gap-flag">No role<') == 1


def test_a_partner_of_another_partnership_gets_404(cast_a):
    partnership = make_partnership(cast_a, name="Not Theirs", with_partner_org=False)
    assert cast_a.client("partner").get(matrix_url(cast_a, partnership)).status_code == 404


def test_another_workspace_gets_404(cast_a, cast_b):
    partnership, _, _ = setup_matrix(cast_a)
    assert cast_b.client("coordinator").get(matrix_url(cast_a, partnership)).status_code == 404
    # B's own workspace with A's partnership: not found either.
    assert cast_b.client("coordinator").get(matrix_url(cast_b, partnership)).status_code == 404
    response = cast_b.client("coordinator").post(
        cell_url(cast_b, partnership), {"item": "goal-1", "organization": 1, "raci": "R"}
    )
    assert response.status_code == 404


def test_a_cell_without_javascript_posts_and_redirects_with_a_message(cast_a):
    partnership, _, milestone = setup_matrix(cast_a)
    client = cast_a.client("coordinator")
    data = {
        "item": f"milestone-{milestone.pk}",
        "organization": cast_a.organization.pk,
        "raci": "R",
    }
    response = client.post(cell_url(cast_a, partnership), data)
    assert response.status_code == 302
    anchor = f"#raci-milestone-{milestone.pk}-org-{cast_a.organization.pk}"
    assert response["Location"] == matrix_url(cast_a, partnership) + anchor
    assert roles_of(cast_a) == [(milestone.pk, cast_a.organization.pk, "R")]
    page = client.get(response["Location"]).content.decode()
    assert f"{cast_a.organization.name} now has Responsible on “{milestone.title}”." in page
    # "—" removes the role.
    client.post(cell_url(cast_a, partnership), {**data, "raci": ""})
    assert roles_of(cast_a) == []


def test_a_refused_cell_redirects_with_the_error(cast_a):
    partnership, _, milestone = setup_matrix(cast_a)
    assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="A")
    client = cast_a.client("coordinator")
    data = {
        "item": f"milestone-{milestone.pk}",
        "organization": cast_a.other_organization.pk,
        "raci": "A",
    }
    response = client.post(cell_url(cast_a, partnership), data, follow=True)
    assert response.status_code == 200
    assert f"{cast_a.organization.name} is already Accountable" in response.content.decode()
    assert len(roles_of(cast_a)) == 1


def test_htmx_gets_just_the_cell_and_the_gap_summary(cast_a):
    partnership, _, milestone = setup_matrix(cast_a)
    data = {
        "item": f"milestone-{milestone.pk}",
        "organization": cast_a.organization.pk,
        "raci": "A",
    }
    response = cast_a.client("coordinator").post(
        cell_url(cast_a, partnership), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<td id="raci-milestone-{milestone.pk}-org-{cast_a.organization.pk}"'
    )
    assert "<html" not in html and "<table" not in html
    assert '<option value="A" selected>' in html
    assert 'id="raci-gaps"' in html and 'hx-swap-oob="true"' in html
    assert 'role="status"' in html


def test_htmx_error_is_shown_in_the_cell(cast_a):
    partnership, _, milestone = setup_matrix(cast_a)
    with workspace_context(cast_a.workspace):
        outsider = OrganizationFactory(workspace=cast_a.workspace, name="Outsider Org")
    response = cast_a.client("coordinator").post(
        cell_url(cast_a, partnership),
        {"item": f"milestone-{milestone.pk}", "organization": outsider.pk, "raci": "R"},
        HTTP_HX_REQUEST="true",
    )
    # Not a column of the matrix: nothing to swap, the error is the answer.
    assert response.status_code == 400
    assert "not a current member" in response.content.decode()
    response = cast_a.client("coordinator").post(
        cell_url(cast_a, partnership),
        {
            "item": f"milestone-{milestone.pk}",
            "organization": cast_a.organization.pk,
            "raci": "Z",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400


def test_htmx_refusal_inside_a_cell(cast_a):
    partnership, _, milestone = setup_matrix(cast_a)
    assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="A")
    response = cast_a.client("coordinator").post(
        cell_url(cast_a, partnership),
        {
            "item": f"milestone-{milestone.pk}",
            "organization": cast_a.other_organization.pk,
            "raci": "A",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and "is already Accountable" in html


@pytest.mark.parametrize("role", ["partner", "viewer"])
def test_partners_and_viewers_cannot_edit_cells(cast_a, role):
    partnership, _, milestone = setup_matrix(cast_a)
    response = cast_a.client(role).post(
        cell_url(cast_a, partnership),
        {"item": f"milestone-{milestone.pk}", "organization": cast_a.organization.pk, "raci": "R"},
    )
    assert response.status_code == 403
    assert roles_of(cast_a) == []


def test_an_item_of_another_partnership_is_404(cast_a):
    partnership, _, _ = setup_matrix(cast_a)
    _, _, elsewhere = setup_matrix(cast_a, name="Elsewhere")
    response = cast_a.client("coordinator").post(
        cell_url(cast_a, partnership),
        {"item": f"milestone-{elsewhere.pk}", "organization": cast_a.organization.pk, "raci": "R"},
    )
    assert response.status_code == 404


def _count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_matrix_query_count_does_not_grow(cast_a):
    small, goal, milestone = setup_matrix(cast_a)
    assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="A")
    large = make_partnership(cast_a, name="Large")
    organizations = [add_member(cast_a, large) for _ in range(5)]
    for g in range(3):
        goal = make_goal(cast_a, large, title=f"Goal {g}")
        assign(cast_a, goal=goal, organization=organizations[g], raci="A")
        for m in range(4):
            milestone = make_milestone(cast_a, goal, title=f"M {g}.{m}")
            assign(cast_a, milestone=milestone, organization=organizations[m], raci="R")
            assign(cast_a, milestone=milestone, organization=cast_a.organization, raci="C")
    client = cast_a.client("coordinator")
    client.get(matrix_url(cast_a, small))  # warm up the session and caches
    assert _count_queries(client, matrix_url(cast_a, small)) == _count_queries(
        client, matrix_url(cast_a, large)
    )


# --- My work ------------------------------------------------------------------------------


def _work(cast, count: int):  # type: ignore[no-untyped-def]
    _partnership, goal, _ = setup_matrix(cast)
    today = workspace_today(cast.workspace)
    milestones = []
    for i in range(count):
        due = today + timedelta(days=i - count // 2)
        milestone = make_milestone(cast, goal, title=f"Work {i}", due=due)
        assign(cast, milestone=milestone, organization=cast.organization, raci="R")
        milestones.append(milestone)
    return milestones


def test_my_work_lists_the_partners_milestones_overdue_first(cast_a):
    partnership, goal, _ = setup_matrix(cast_a)
    today = workspace_today(cast_a.workspace)
    soon = make_milestone(cast_a, goal, title="Due soon", due=today + timedelta(days=3))
    late = make_milestone(cast_a, goal, title="Late one", due=today - timedelta(days=3))
    theirs = make_milestone(cast_a, goal, title="Other org work", due=today)
    assign(cast_a, milestone=soon, organization=cast_a.organization, raci="R")
    assign(cast_a, milestone=late, organization=cast_a.organization, raci="A")
    assign(cast_a, milestone=theirs, organization=cast_a.other_organization, raci="R")
    response = cast_a.client("partner").get(my_work_url(cast_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Late one") < html.index("Due soon")
    assert "Other org work" not in html
    assert "overdue by 3 days" in html
    assert partnership.name in html and goal.title in html
    update_url = reverse(
        "milestone_update", kwargs={"workspace_slug": cast_a.workspace.slug, "pk": late.pk}
    )
    assert f'href="{update_url}"' in html and "Post an update" in html


def test_my_work_for_coordinators_says_it_covers_the_workspace(cast_a):
    _, _goal, milestone = setup_matrix(cast_a)
    html = cast_a.client("coordinator").get(my_work_url(cast_a)).content.decode()
    assert "no Responsible organization" in html
    assert milestone.title in html  # nobody is Responsible for it


def test_viewers_have_no_my_work_and_outsiders_get_404(cast_a, cast_b):
    assert cast_a.client("viewer").get(my_work_url(cast_a)).status_code == 403
    assert cast_b.client("partner").get(my_work_url(cast_a)).status_code == 404


@pytest.mark.parametrize("role", ["partner", "coordinator"])
def test_my_work_query_count_does_not_grow(cast_a, cast_b, role):
    _work(cast_a, 3)
    _work(cast_b, 30)
    few = cast_a.client(role)
    many = cast_b.client(role)
    few.get(my_work_url(cast_a))
    many.get(my_work_url(cast_b))
    assert _count_queries(few, my_work_url(cast_a)) == _count_queries(many, my_work_url(cast_b))
    html = many.get(my_work_url(cast_b)).content.decode()
    assert "15 overdue." in html  # due dates run from 15 days ago to 14 days ahead
    if role == "partner":
        assert html.count("Post an update<") == 30


def test_done_milestones_are_not_listed(cast_a):
    _, goal, _ = setup_matrix(cast_a)
    done = make_milestone(cast_a, goal, title="Finished", status=MilestoneStatus.DONE)
    assign(cast_a, milestone=done, organization=cast_a.organization, raci="R")
    assert "Finished" not in cast_a.client("partner").get(my_work_url(cast_a)).content.decode()


def test_the_overview_and_the_navigation_link_to_my_work(cast_a):
    overview = reverse("workspace_overview", kwargs={"workspace_slug": cast_a.workspace.slug})
    html = cast_a.client("partner").get(overview).content.decode()
    assert f'href="{my_work_url(cast_a)}"' in html
    assert "My work: your organization" in html
    viewer_html = cast_a.client("viewer").get(overview).content.decode()
    assert f'href="{my_work_url(cast_a)}"' not in viewer_html


def test_former_members_keep_a_column_until_their_last_role_goes(cast_a):
    partnership, _, milestone = setup_matrix(cast_a)
    assign(cast_a, milestone=milestone, organization=cast_a.other_organization, raci="R")
    with workspace_context(cast_a.workspace):
        member = partnership.members.get(organization=cast_a.other_organization)
        partnership_member_remove(
            workspace=cast_a.workspace, actor=cast_a.coordinator, member=member
        )
    client = cast_a.client("coordinator")
    html = client.get(matrix_url(cast_a, partnership)).content.decode()
    assert "(left the partnership)" in html
    data = {
        "item": f"milestone-{milestone.pk}",
        "organization": cast_a.other_organization.pk,
        "raci": "A",
    }
    refused = client.post(cell_url(cast_a, partnership), data, HTTP_HX_REQUEST="true")
    assert "not a current member" in refused.content.decode()
    removed = client.post(
        cell_url(cast_a, partnership), {**data, "raci": ""}, HTTP_HX_REQUEST="true"
    )
    assert removed.status_code == 200 and removed["HX-Refresh"] == "true"
    assert roles_of(cast_a) == []
    assert (
        "(left the partnership)" not in client.get(matrix_url(cast_a, partnership)).content.decode()
    )
