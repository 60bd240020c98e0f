"""The dashboard's own reads (constant SQL in ``impact.selectors_dashboard``) answer what
the general selectors answer (goals with their milestone counts, milestones due, the
indicators, the commitment totals), attach the goals they show without a query per row,
and the page reads a pinned number of queries: the session comes from the cache, the
membership and the navigation's workspace switcher from one query."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import MilestoneStatus, SharedGoal
from goals.selectors import goal_list, milestone_list
from impact.models import MeasurementStatus
from impact.selectors import indicators_visible_to
from impact.selectors_dashboard import UPCOMING_DAYS, partnership_dashboard
from partnerhub.access import resolve_workspace_access
from partnerhub.models import ActivityEvent, EventAction, Role
from partnerhub.tenancy import workspace_context
from partners.models import CommitmentKind, PartnershipMember
from partners.selectors_partnerships import commitment_totals, partnership_get
from partners.services.commitments import commitment_create, delivery_record
from partners.services.partnerships import workspace_today
from tests.factories import MembershipFactory, WorkspaceFactory
from tests.goals.helpers import make_goal, make_milestone
from tests.impact.helpers import make_indicator, make_measurement, make_partnership

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


@pytest.fixture
def filled(cast_a):  # type: ignore[no-untyped-def]
    """A partnership with undated and dated goals, milestones done, overdue, due soon and
    later, an indicator without a goal, commitments in two kinds and two currencies with
    deliveries; and a second partnership whose rows must stay out."""
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        today = workspace_today(cast_a.workspace)
        late = make_goal(cast_a, partnership=partnership, target_date=today + timedelta(days=9))
        soon = make_goal(cast_a, partnership=partnership, target_date=today + timedelta(days=3))
        undated = make_goal(cast_a, partnership=partnership)
        make_milestone(cast_a, soon, days=-4)
        make_milestone(cast_a, soon, days=-2, status=MilestoneStatus.DONE, percent_complete=100)
        make_milestone(cast_a, late, days=0)
        make_milestone(cast_a, late, days=UPCOMING_DAYS)
        make_milestone(cast_a, late, days=UPCOMING_DAYS + 1)
        make_milestone(cast_a, undated, days=7, status=MilestoneStatus.DONE, percent_complete=100)
        make_indicator(cast_a, partnership=partnership, goal=soon, name="B indicator")
        make_indicator(cast_a, partnership=partnership, name="A indicator")
        make_indicator(cast_a, partnership=partnership, goal=late, name="Ab indicator")
        members = list(PartnershipMember.objects.filter(partnership=partnership).order_by("id"))
        for member, kind, currency, pledged, delivered in (
            (members[0], CommitmentKind.CASH, "EUR", "1000.50", ["200.25", "100"]),
            (members[1], CommitmentKind.CASH, "EUR", "300", []),
            (members[1], CommitmentKind.CASH, "USD", "50", ["75"]),
            (members[0], CommitmentKind.STAFF_TIME, "", "40", ["7.5"]),
            (members[0], CommitmentKind.IN_KIND, "EUR", "20", []),
        ):
            commitment = commitment_create(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                member=member,
                kind=kind,
                currency=currency,
                pledged=pledged,
                description="Laptops" if kind == CommitmentKind.IN_KIND else "",
            )
            for amount in delivered:
                delivery_record(
                    workspace=cast_a.workspace,
                    actor=cast_a.coordinator,
                    commitment=commitment,
                    amount=amount,
                )
        other = make_partnership(cast_a)
        make_milestone(cast_a, make_goal(cast_a, partnership=other), days=1)
        make_indicator(cast_a, partnership=other)
    return partnership


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_the_dashboard_reads_answer_like_the_general_selectors(cast_a, filled, role):
    with workspace_context(cast_a.workspace):
        access = resolve_workspace_access(
            user=cast_a.user(role), workspace_slug=cast_a.workspace.slug
        )
        partnership = partnership_get(workspace=cast_a.workspace, access=access, pk=filled.pk)
        dashboard = partnership_dashboard(
            workspace=cast_a.workspace, access=access, partnership=partnership
        )
        today = workspace_today(cast_a.workspace)
        goals = list(goal_list(workspace=cast_a.workspace, access=access, partnership=filled))
        due = list(
            milestone_list(
                workspace=cast_a.workspace,
                access=access,
                partnership=filled,
                due_before=today + timedelta(days=UPCOMING_DAYS),
            ).exclude(status=MilestoneStatus.DONE)
        )
        indicators = list(
            indicators_visible_to(workspace=cast_a.workspace, access=access)
            .filter(partnership=filled)
            .order_by("name", "id")
        )
        totals = commitment_totals(workspace=cast_a.workspace, partnership=filled).totals

    def goal_row(goal: SharedGoal) -> tuple:  # type: ignore[type-arg]
        return (goal.pk, goal.title, goal.status, goal.milestone_count, goal.milestones_done)

    assert [goal_row(g) for g in dashboard.goals] == [goal_row(g) for g in goals]
    assert [g.target_date is None for g in dashboard.goals] == [False, False, True]
    assert [(g.milestone_count, g.milestones_done) for g in dashboard.goals] == [
        (2, 1),
        (3, 0),
        (1, 1),
    ]
    shown = dashboard.overdue_milestones + dashboard.upcoming_milestones
    assert [m.pk for m in shown] == [m.pk for m in due]
    assert len(dashboard.overdue_milestones) == 1
    assert len(dashboard.upcoming_milestones) == 2
    assert [row.indicator.pk for row in dashboard.indicators] == [i.pk for i in indicators]
    assert [(a.kind, a.currency, a.pledged, a.delivered) for a in dashboard.commitments.totals] == [
        (a.kind, a.currency, a.pledged, a.delivered) for a in totals
    ]
    assert [(a.currency, a.pledged, a.delivered) for a in dashboard.commitments.totals] == [
        ("EUR", Decimal("1300.50"), Decimal("300.25")),
        ("USD", Decimal("50.00"), Decimal("75.00")),
        ("EUR", Decimal("20.00"), Decimal("0.00")),
        ("", Decimal("40.00"), Decimal("7.50")),
    ]
    # The goals the page names come with the rows: no query per milestone or indicator.
    with CaptureQueriesContext(connection) as queries:
        milestone_goals = [m.goal.title for m in shown]
        indicator_goals = [row.indicator.goal for row in dashboard.indicators]
        indicator_goals = [goal and goal.title for goal in indicator_goals]
        partnerships = {m.partnership.pk for m in shown}
        partnerships |= {g.partnership.pk for g in dashboard.goals}
    assert len(queries) == 0
    assert milestone_goals == [m.goal.title for m in due]
    assert indicator_goals == [i.goal and i.goal.title for i in indicators]
    assert partnerships == {filled.pk}


def test_a_dashboard_without_commitments_totals_nothing(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        access = resolve_workspace_access(
            user=cast_a.coordinator, workspace_slug=cast_a.workspace.slug
        )
        dashboard = partnership_dashboard(
            workspace=cast_a.workspace, access=access, partnership=partnership
        )
    assert dashboard.commitments.totals == []
    assert dashboard.goals == []
    assert dashboard.indicators == []


def _queries(client, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 200  # the session is cached from here on
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_the_dashboard_reads_twelve_queries(cast_a, filled, role):
    queries = _queries(cast_a.client(role), url("partnership_dashboard", cast_a, pk=filled.pk))
    # user, memberships (with the workspace switcher's), tenant setting, partnership,
    # goals, milestones, indicators, owed and waiting figures, progress, commitment totals,
    # activity, unread notifications; + the test's savepoint and its release.
    assert len(queries) == 12 + 2, "\n".join(queries)
    assert not [q for q in queries if "django_session" in q]
    assert len([q for q in queries if '"partnerhub_membership"' in q]) == 1


def test_a_workspace_page_reads_the_membership_and_the_switcher_once(cast_a):
    second = WorkspaceFactory(name="Zz second workspace")
    MembershipFactory(workspace=second, user=cast_a.coordinator, role=Role.VIEWER)
    client = cast_a.client("coordinator")
    path = url("partnership_list", cast_a)
    queries = _queries(client, path)
    assert len([q for q in queries if '"partnerhub_membership"' in q]) == 1
    html = client.get(path).content.decode()
    # Both workspaces in the switcher, the current one marked.
    overview = url("workspace_overview", cast_a)
    assert f'href="{overview}" aria-current="true"' in html
    assert reverse("workspace_overview", kwargs={"workspace_slug": second.slug}) in html
    assert 'Zz second workspace <span class="switcher__role">(viewer)</span>' in html


def test_a_workspace_of_someone_else_is_still_a_404(cast_a, cast_b):
    response = cast_a.client("coordinator").get(url("partnership_list", cast_b))
    assert response.status_code == 404


# The rows the dashboard builds in Python must be the markup its template wrote before.
_INDICATOR_ROW_TEMPLATE = """<tr>
          <th scope="row">
            {% url 'indicator_detail' workspace_slug=slug pk=line.row.indicator.pk as indicator_url %}{% if indicator_url %}<a href="{{ indicator_url }}">{{ line.row.indicator.name }}</a>{% else %}{{ line.row.indicator.name }}{% endif %}
            {% if line.row.indicator.goal %}<br><span class="muted">Goal: {{ line.row.indicator.goal.title }}</span>{% endif %}
          </th>
          <td>{{ line.actual }}{% if line.row.progress.as_of %}<br><span class="muted">to {{ line.row.progress.as_of|date:"j M Y" }}</span>{% endif %}</td>
          <td>{{ line.target }}<br><span class="muted">from {{ line.baseline }} by {{ line.row.indicator.target_date|date:"j M Y" }}</span></td>
          <td class="dash-progress">
            {% if line.row.progress.percent is not None %}
            <meter min="0" max="100" value="{{ line.row.progress.bar_percent }}" aria-hidden="true"></meter>
            {{ line.row.progress.percent }}%
            {% else %}—{% endif %}
          </td>
          <td><span class="status dash-status dash-status--{{ line.row.progress.status }}">{{ line.row.progress.status_label }}</span><br><span class="muted">{{ line.row.progress.reason }}</span></td>
          <td>{{ line.row.owed }}</td>
        </tr>"""  # noqa: E501

_ACTIVITY_ROW_TEMPLATE = """<li class="activity-entry">
      <time datetime="{{ row.event.created_at|date:'c' }}">{{ row.event.created_at|date:"j M Y H:i" }}</time> ·
      <strong>{{ row.actor }}</strong> {{ row.event.get_action_display|lower }}
      {% if row.url %}<a href="{{ row.url }}">{{ row.event.object_repr }}</a>{% else %}“{{ row.event.object_repr }}”{% endif %}
    </li>"""  # noqa: E501


def test_the_rows_built_in_python_are_the_templates_markup(cast_a, filled):
    with workspace_context(cast_a.workspace):
        indicator = filled.indicators.order_by("id").first()
        period = indicator.periods.order_by("start_date").first()
        make_measurement(
            cast_a,
            indicator=indicator,
            period=period,
            value=Decimal("12.5"),
            status=MeasurementStatus.APPROVED,
        )
        # An event whose object has no page (no link), named with markup to escape, by
        # nobody the database knows (the label shown).
        ActivityEvent.objects.create(
            workspace=cast_a.workspace,
            actor_label="An import",
            action=EventAction.CREATE,
            object_type="partnerhub.unknown",
            object_id=1,
            object_repr='<Wells & "pumps">',
            partnership_id=filled.pk,
            changes={"title": "x"},
        )
        response = cast_a.client("coordinator").get(
            url("partnership_dashboard", cast_a, pk=filled.pk)
        )
    assert response.status_code == 200
    lines, activity = response.context["indicators"], response.context["activity"]
    indicator_row, activity_row = (
        Template(_INDICATOR_ROW_TEMPLATE),
        Template(_ACTIVITY_ROW_TEMPLATE),
    )
    slug = cast_a.workspace.slug
    html = response.content.decode()
    # Every case: with and without goal, figures (progress) and a link to the object.
    assert {line.row.indicator.goal is None for line in lines} == {True, False}
    assert {line.row.progress.percent is None for line in lines} == {True, False}
    assert {row.url is None for row in activity} == {True, False}
    for line in lines:
        assert line.html == indicator_row.render(Context({"line": line, "slug": slug}))
        assert line.html in html
    for row in activity:
        assert row.html == activity_row.render(Context({"row": row}))
        assert row.html in html
    assert "“&lt;Wells &amp; &quot;pumps&quot;&gt;”" in html
    assert "<strong>An import</strong> created" in html
    # The events are whole instances (their JSON decoded as the ORM decodes it).
    assert activity[0].event.changes == {"title": "x"}
    assert {row.event.actor_user is None for row in activity} == {True, False}
