"""Goal pages: visibility (404 for what a caller may not see), roles (403), the timeline,
the conflict flow of the update form, and constant query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Comment, Milestone, MilestoneStatus, ProgressUpdate, SharedGoal
from goals.services_updates import comment_post, progress_update_post
from partnerhub.models import ActivityEvent
from tests.goals.helpers import access_of, make_goal, make_milestone, make_partnership

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


@pytest.fixture
def setup(cast_a, tenant):  # type: ignore[no-untyped-def]
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a, title="Every child reads", target_date=timezone.localdate())
        first = make_milestone(cast_a, goal, days=-3, title="Baseline survey")
        second = make_milestone(cast_a, goal, days=40, title="Reading clubs open")
    return goal, first, second


def _update_form(milestone: Milestone, **values):  # type: ignore[no-untyped-def]
    data = {
        "status": MilestoneStatus.IN_PROGRESS,
        "percent_complete": "40",
        "narrative": "Clubs opened in 3 schools.",
        "blockers": "",
        "version": str(milestone.version),
    }
    data.update(values)
    return data


# --- Pages --------------------------------------------------------------------------------


def test_goal_page_shows_milestones_in_due_order_timeline_and_table(cast_a, setup):
    goal, _, _ = setup
    html = cast_a.client("viewer").get(url("goal_detail", cast_a, pk=goal.pk)).content.decode()
    assert html.index("Baseline survey") < html.index("Reading clubs open")
    assert 'role="img"' in html and '<title id="timeline-title">' in html
    assert re.search(r"<desc id=\"timeline-desc\">2 milestones", html)
    assert '<caption id="milestones-caption">Milestones in due-date order</caption>' in html
    assert "(overdue)" in html  # the baseline survey is 3 days late
    assert "At risk" in html
    assert "style=" not in html
    assert "Edit goal" not in html  # viewers do not edit


def test_partnership_goal_list_and_link(cast_a, setup):
    goal, _, _ = setup
    partnership_url = url("partnership_detail", cast_a, pk=goal.partnership_id)
    goals_url = url("goal_list", cast_a, pk=goal.partnership_id)
    assert goals_url in cast_a.client("viewer").get(partnership_url).content.decode()
    html = cast_a.client("partner").get(goals_url).content.decode()
    assert "Every child reads" in html and "0 of 2" in html


def test_coordinator_creates_goal_and_milestone(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(cast_a)
    client = cast_a.client("coordinator")
    response = client.post(
        url("goal_create", cast_a, pk=partnership.pk),
        {"title": "Clean water", "description": "", "target_date": "", "sdgs": ["6"]},
    )
    assert response.status_code == 302
    with tenant(cast_a.workspace):
        goal = SharedGoal.objects.get(title="Clean water")
    assert goal.sdgs == [6]
    due = (timezone.localdate() + timedelta(days=9)).isoformat()
    response = client.post(
        url("milestone_create", cast_a, pk=goal.pk),
        {"title": "Wells dug", "due_date": due, "status": "not_started", "percent_complete": "0"},
    )
    assert response.status_code == 302
    with tenant(cast_a.workspace):
        assert Milestone.objects.filter(goal=goal, title="Wells dug").exists()


FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>")


def test_forms_label_every_field(cast_a, setup):
    goal, first, _ = setup
    pages = [
        ("goal_edit", goal.pk),
        ("milestone_create", goal.pk),
        ("milestone_update", first.pk),
        ("milestone_edit", first.pk),
    ]
    for name, pk in pages:
        html = cast_a.client("coordinator").get(url(name, cast_a, pk=pk)).content.decode()
        form = html.split('<form method="post" class="stacked-form"', 1)[1].split("</form>")[0]
        fields = [
            re.search(r'\bid="([^"]+)"', attrs).group(1)  # type: ignore[union-attr]
            for _, attrs in FIELD.findall(form)
            if 'type="hidden"' not in attrs
        ]
        assert fields, name
        for field_id in fields:
            assert f'for="{field_id}"' in form, (name, field_id)


def test_viewer_and_partner_may_not_edit(cast_a, setup):
    goal, first, _ = setup
    for role in ("viewer", "partner"):
        client = cast_a.client(role)
        assert client.get(url("goal_edit", cast_a, pk=goal.pk)).status_code == 403
        assert client.post(url("milestone_delete", cast_a, pk=first.pk)).status_code == 403
        assert client.get(url("milestone_update", cast_a, pk=first.pk)).status_code == 403


def test_partner_gets_404_outside_its_partnerships(cast_a, tenant):
    with tenant(cast_a.workspace):
        elsewhere = make_partnership(cast_a, members=[cast_a.other_organization])
        goal = make_goal(cast_a, partnership=elsewhere)
        milestone = make_milestone(cast_a, goal)
    client = cast_a.client("partner")
    assert client.get(url("goal_list", cast_a, pk=elsewhere.pk)).status_code == 404
    assert client.get(url("goal_detail", cast_a, pk=goal.pk)).status_code == 404
    assert client.get(url("milestone_detail", cast_a, pk=milestone.pk)).status_code == 404
    assert client.get(url("milestone_update", cast_a, pk=milestone.pk)).status_code == 404
    response = client.post(url("milestone_comment", cast_a, pk=milestone.pk), {"body": "Hi"})
    assert response.status_code == 404


def test_other_workspace_gets_404(cast_a, cast_b, setup):
    goal, first, _ = setup
    client = cast_b.client("admin")
    for name, pk in (("goal_detail", goal.pk), ("milestone_detail", first.pk)):
        assert client.get(url(name, cast_a, pk=pk)).status_code == 404
        assert client.get(url(name, cast_b, pk=pk)).status_code == 404


# --- Progress updates and comments ----------------------------------------------------------


def test_partner_posts_update_when_responsible(cast_a, setup, responsible, tenant):
    _, first, _ = setup
    responsible({first.pk: {cast_a.organization.pk}})
    client = cast_a.client("partner")
    detail = client.get(url("milestone_detail", cast_a, pk=first.pk)).content.decode()
    assert url("milestone_update", cast_a, pk=first.pk) in detail
    form = client.get(url("milestone_update", cast_a, pk=first.pk)).content.decode()
    assert 'name="version" value="1"' in form
    assert "<script" not in form.split("<main", 1)[1]  # the form needs no JavaScript
    response = client.post(url("milestone_update", cast_a, pk=first.pk), _update_form(first))
    assert response.status_code == 302
    with tenant(cast_a.workspace):
        update = ProgressUpdate.objects.get(milestone=first)
    assert update.organization_id == cast_a.organization.pk
    assert update.percent_after == 40


def test_conflict_shows_what_changed_and_reapplies_in_one_click(cast_a, setup, tenant):
    _, first, _ = setup
    coordinator = cast_a.client("coordinator")
    admin = cast_a.client("admin")
    stale = _update_form(first, narrative="My visit to the clubs.", percent_complete="55")
    # Someone else posts first.
    other = _update_form(first, narrative="Funding arrived.", status=MilestoneStatus.AT_RISK)
    assert admin.post(url("milestone_update", cast_a, pk=first.pk), other).status_code == 302

    response = coordinator.post(url("milestone_update", cast_a, pk=first.pk), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone changed this milestone while you were writing" in html
    assert "Funding arrived." in html  # the update made meanwhile
    assert "My visit to the clubs." in html  # the person's own words, kept
    assert 'name="version" value="2"' in html
    assert "Apply my update on top" in html
    with tenant(cast_a.workspace):
        assert ProgressUpdate.objects.filter(milestone=first).count() == 1

    again = coordinator.post(
        url("milestone_update", cast_a, pk=first.pk), {**stale, "version": "2"}
    )
    assert again.status_code == 302
    with tenant(cast_a.workspace):
        stored = Milestone.objects.get(pk=first.pk)
        narratives = list(
            ProgressUpdate.objects.filter(milestone=first)
            .order_by("version_after")
            .values_list("narrative", flat=True)
        )
    assert (stored.version, stored.percent_complete) == (3, 55)
    assert narratives == ["Funding arrived.", "My visit to the clubs."]


def test_update_form_errors_stay_on_the_form(cast_a, setup):
    _, first, _ = setup
    response = cast_a.client("coordinator").post(
        url("milestone_update", cast_a, pk=first.pk), _update_form(first, percent_complete="100")
    )
    assert response.status_code == 200
    assert "100% means done" in response.content.decode()


def test_comment_on_milestone(cast_a, setup, tenant):
    _, first, _ = setup
    response = cast_a.client("partner").post(
        url("milestone_comment", cast_a, pk=first.pk), {"body": "We can host the next one."}
    )
    assert response.status_code == 302
    html = (
        cast_a.client("viewer").get(url("milestone_detail", cast_a, pk=first.pk)).content.decode()
    )
    assert "We can host the next one." in html
    assert 'action="' + url("milestone_comment", cast_a, pk=first.pk) not in html  # viewer
    assert (
        cast_a.client("viewer")
        .post(url("milestone_comment", cast_a, pk=first.pk), {"body": "x"})
        .status_code
        == 403
    )
    with tenant(cast_a.workspace):
        assert ActivityEvent.objects.filter(object_type="goals.comment").count() == 1


def test_milestone_edit_conflict(cast_a, setup):
    _, first, _ = setup
    client = cast_a.client("coordinator")
    data = {
        "title": "Baseline survey v2",
        "description": "",
        "due_date": first.due_date.isoformat(),
        "status": "in_progress",
        "percent_complete": "10",
        "version": "1",
    }
    assert client.post(url("milestone_edit", cast_a, pk=first.pk), data).status_code == 302
    response = client.post(url("milestone_edit", cast_a, pk=first.pk), {**data, "title": "Late"})
    assert response.status_code == 409
    assert "Save my changes on top" in response.content.decode()


# --- Query counts -------------------------------------------------------------------------


def _goal_page_queries(cast, goal) -> int:  # type: ignore[no-untyped-def]
    client = cast.client("partner")
    client.get(url("goal_detail", cast, pk=goal.pk))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("goal_detail", cast, pk=goal.pk))
    assert response.status_code == 200
    return len(queries)


def test_goal_page_query_count_does_not_grow(cast_a, tenant):
    with tenant(cast_a.workspace):
        few = make_goal(cast_a)
        many = make_goal(cast_a, partnership=few.partnership)
        make_milestone(cast_a, few)
        coordinator = access_of(cast_a, "coordinator")
        for index in range(8):
            milestone = make_milestone(cast_a, many, days=index)
            progress_update_post(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                access=coordinator,
                milestone=milestone,
                expected_version=1,
                status=MilestoneStatus.IN_PROGRESS,
                percent_complete=5,
                narrative="Step",
            )
            comment_post(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                access=coordinator,
                milestone=milestone,
                body="Noted",
            )
    # session, membership, goal, milestones, updates, comments (+ the request's tenant set-up)
    assert _goal_page_queries(cast_a, few) == _goal_page_queries(cast_a, many)


def test_goal_page_shows_who_does_what(cast_a, setup, tenant):
    """The goal page shows the RACI letters of the goal and of each milestone (filled in
    by the roles app through goals.hooks), and links to the full matrix."""
    from roles.models import Raci
    from roles.services import role_assign

    goal, first, _ = setup
    with tenant(cast_a.workspace):
        role_assign(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            goal=goal,
            organization=cast_a.organization,
            raci=Raci.ACCOUNTABLE,
        )
        role_assign(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            milestone=first,
            organization=cast_a.organization,
            raci=Raci.RESPONSIBLE,
        )
    html = cast_a.client("viewer").get(url("goal_detail", cast_a, pk=goal.pk)).content.decode()
    assert f"{cast_a.organization.name}: Accountable for this goal" in html
    assert f'<abbr title="Responsible">R</abbr>: {cast_a.organization.name}' in html
    assert url("raci_matrix", cast_a, pk=goal.partnership_id) in html


# --- Review fixes: version checks, replies, conflicts, deletes ------------------------------


def _edit_form(milestone: Milestone, **values):  # type: ignore[no-untyped-def]
    data = {
        "title": milestone.title,
        "description": "",
        "due_date": milestone.due_date.isoformat(),
        "status": milestone.status,
        "percent_complete": str(milestone.percent_complete),
        "version": str(milestone.version),
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("version", [None, "", "0", "-1", "abc"])
def test_milestone_edit_without_a_version_never_saves(cast_a, setup, tenant, version):
    _, first, _ = setup
    client = cast_a.client("coordinator")
    # Someone else changes the milestone first: a post without a version must not win.
    assert (
        client.post(
            url("milestone_edit", cast_a, pk=first.pk), _edit_form(first, title="Theirs")
        ).status_code
        == 302
    )
    response = client.post(
        url("milestone_edit", cast_a, pk=first.pk), _edit_form(first, title="Mine", version=version)
    )
    assert response.status_code in (400, 409)
    assert "reload the page" in response.content.decode()
    with tenant(cast_a.workspace):
        stored = Milestone.objects.get(pk=first.pk)
    assert (stored.title, stored.version) == ("Theirs", 2)


def test_reply_to_a_progress_update(cast_a, setup, tenant):
    _, first, second = setup
    with tenant(cast_a.workspace):
        coordinator = access_of(cast_a, "coordinator")
        update = progress_update_post(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            access=coordinator,
            milestone=first,
            expected_version=1,
            status=MilestoneStatus.IN_PROGRESS,
            percent_complete=20,
            narrative="Survey half done.",
        )
    client = cast_a.client("partner")
    page = client.get(url("milestone_detail", cast_a, pk=first.pk)).content.decode()
    assert f'<label for="reply-{update.pk}">Reply to this update</label>' in page
    assert f'name="progress_update" value="{update.pk}"' in page

    response = client.post(
        url("milestone_comment", cast_a, pk=first.pk),
        {"body": "Which schools are left?", "progress_update": str(update.pk)},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#update-{update.pk}")
    with tenant(cast_a.workspace):
        reply = Comment.objects.get(body="Which schools are left?")
    assert (reply.progress_update_id, reply.milestone_id) == (update.pk, first.pk)

    html = client.get(url("milestone_detail", cast_a, pk=first.pk)).content.decode()
    thread = html.split(f'id="update-{update.pk}"', 1)[1].split("</section>", 1)[0]
    assert "Survey half done." in thread and "Which schools are left?" in thread
    comments = html.split('id="comments"', 1)[1]
    assert "Which schools are left?" not in comments  # shown under its update only
    goal_page = client.get(url("goal_detail", cast_a, pk=first.goal_id)).content.decode()
    assert "In reply to the update of" in goal_page

    # An update of another milestone, an unknown one or a malformed id: 404, nothing saved.
    wrong = client.post(
        url("milestone_comment", cast_a, pk=second.pk),
        {"body": "Misplaced", "progress_update": str(update.pk)},
    )
    assert wrong.status_code == 404
    for bad in ("999999", "abc", "0", "99999999999999999999"):
        response = client.post(
            url("milestone_comment", cast_a, pk=first.pk),
            {"body": "Misplaced", "progress_update": bad},
        )
        assert response.status_code == 404, bad
    with tenant(cast_a.workspace):
        assert not Comment.objects.filter(body="Misplaced").exists()

    # An empty reply stays on the page with its error next to that update's form.
    empty = client.post(
        url("milestone_comment", cast_a, pk=first.pk),
        {"body": " ", "progress_update": str(update.pk)},
    )
    assert empty.status_code == 200
    assert f'aria-describedby="reply-{update.pk}-error"' in empty.content.decode()


def _milestone_page_queries(cast, milestone) -> int:  # type: ignore[no-untyped-def]
    client = cast.client("partner")
    client.get(url("milestone_detail", cast, pk=milestone.pk))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("milestone_detail", cast, pk=milestone.pk))
    assert response.status_code == 200
    return len(queries)


def test_milestone_page_query_count_does_not_grow_with_replies(cast_a, setup, tenant):
    _, first, second = setup
    with tenant(cast_a.workspace):
        coordinator = access_of(cast_a, "coordinator")
        for index in range(6):
            update = progress_update_post(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                access=coordinator,
                milestone=second,
                expected_version=index + 1,
                status=MilestoneStatus.IN_PROGRESS,
                percent_complete=index * 10,
                narrative=f"Step {index}",
            )
            for _ in range(2):
                comment_post(
                    workspace=cast_a.workspace,
                    actor=cast_a.coordinator,
                    access=coordinator,
                    milestone=second,
                    body="Noted",
                    progress_update=update,
                )
    assert _milestone_page_queries(cast_a, first) == _milestone_page_queries(cast_a, second)


def test_reapplying_an_edit_keeps_the_progress_posted_meanwhile(cast_a, setup, responsible, tenant):
    """The coordinator loads the edit form, a partner posts progress, the coordinator
    saves: conflict; re-applying keeps the partner's status and percent."""
    _, first, _ = setup
    responsible({first.pk: {cast_a.organization.pk}})
    coordinator = cast_a.client("coordinator")
    loaded = _edit_form(first, title="Baseline survey (all districts)")
    assert coordinator.get(url("milestone_edit", cast_a, pk=first.pk)).status_code == 200

    partner = cast_a.client("partner")
    progress = _update_form(first, narrative="Half the schools surveyed.", percent_complete="50")
    assert partner.post(url("milestone_update", cast_a, pk=first.pk), progress).status_code == 302

    conflict = coordinator.post(url("milestone_edit", cast_a, pk=first.pk), loaded)
    assert conflict.status_code == 409
    html = conflict.content.decode()
    assert "Half the schools surveyed." in html  # the update made meanwhile
    assert "The milestone now, next to what you sent" in html
    assert "<td>In progress</td>" in html and "<strong>Not started</strong>" in html
    assert "<td>50%</td>" in html
    # The re-apply form: the coordinator's title, the current status and percent.
    assert 'value="Baseline survey (all districts)"' in html
    assert 'name="percent_complete" value="50"' in html
    assert re.search(r'<option value="in_progress" selected>', html)
    assert 'name="version" value="2"' in html

    reapplied = {
        **loaded,
        "status": MilestoneStatus.IN_PROGRESS,
        "percent_complete": "50",
        "version": "2",
    }
    assert (
        coordinator.post(url("milestone_edit", cast_a, pk=first.pk), reapplied).status_code == 302
    )
    with tenant(cast_a.workspace):
        stored = Milestone.objects.get(pk=first.pk)
    assert (stored.title, stored.status, stored.percent_complete, stored.version) == (
        "Baseline survey (all districts)",
        MilestoneStatus.IN_PROGRESS,
        50,
        3,
    )


def test_delete_checks_the_version(cast_a, setup, tenant):
    _, first, second = setup
    client = cast_a.client("coordinator")
    page = client.get(url("milestone_detail", cast_a, pk=first.pk)).content.decode()
    assert 'name="version" value="1"' in page.split('id="delete-heading"', 1)[1]
    # Someone edits the milestone after the page was loaded.
    assert (
        client.post(
            url("milestone_edit", cast_a, pk=first.pk), _edit_form(first, title="Changed")
        ).status_code
        == 302
    )
    for data in ({"version": "1"}, {}, {"version": "0"}):
        stale = client.post(url("milestone_delete", cast_a, pk=first.pk), data, follow=True)
        assert stale.redirect_chain[-1][0] == url("milestone_detail", cast_a, pk=first.pk)
        text = stale.content.decode()
        assert "was not deleted" in text or "Nothing was deleted" in text
    with tenant(cast_a.workspace):
        assert Milestone.objects.filter(pk=first.pk).exists()
    fresh = client.post(url("milestone_delete", cast_a, pk=first.pk), {"version": "2"})
    assert fresh.status_code == 302
    with tenant(cast_a.workspace):
        assert not Milestone.objects.filter(pk=first.pk).exists()
        assert Milestone.objects.filter(pk=second.pk).exists()


@pytest.mark.parametrize("view", ["milestone_update", "milestone_edit"])
def test_milestone_deleted_mid_request_is_a_404(cast_a, setup, monkeypatch, view):
    """Deleted between the access check and the write: 404, never a 500."""
    from goals import views as goal_views

    _, first, _ = setup
    original = goal_views.milestone_get

    def get_then_vanish(**kwargs):  # type: ignore[no-untyped-def]
        found = original(**kwargs)
        Milestone.objects.filter(pk=found.pk).delete()
        return found

    monkeypatch.setattr(goal_views, "milestone_get", get_then_vanish)
    data = _update_form(first) if view == "milestone_update" else _edit_form(first, title="X")
    response = cast_a.client("coordinator").post(url(view, cast_a, pk=first.pk), data)
    assert response.status_code == 404
