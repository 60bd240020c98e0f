"""The dashboard's own reads (constant SQL in ``impact.selectors_dashboard``, two round
trips) answer what the general selectors answer (the partnership as the reader may see
it, goals with their milestone counts, milestones due, the indicators with progress and
owed figures, the commitment totals, the latest events, the navigation's unread count),
attach the goals they show without a query per row, read nothing of a partnership the
reader may not see, and the page reads a pinned number of queries: the session comes
from the cache, the membership and the navigation's workspace switcher from one query.
The rows the view builds in Python are the markup its template wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

from goals.models import Milestone, MilestoneStatus, SharedGoal
from goals.selectors import goal_list, milestone_list
from impact.dashboard_html import _date
from impact.models import MeasurementStatus
from impact.progress import indicators_progress
from impact.selectors import indicators_visible_to
from impact.selectors_dashboard import (
    DASHBOARD_READ_SQL,
    RECENT_EVENTS,
    UPCOMING_DAYS,
    indicator_needs,
    partnership_dashboard,
)
from partnerhub.access import resolve_member_access, resolve_workspace_access
from partnerhub.models import ActivityEvent, EventAction, Reminder, ReminderKind, Role
from partnerhub.selectors import memberships_of_user
from partnerhub.selectors_activity import events_visible_to
from partnerhub.selectors_reminders import UNREAD_COUNT_CAP, unread_count
from partnerhub.tenancy import workspace_context
from partners.models import CommitmentKind, Partnership, PartnershipMember
from partners.selectors_partnerships import commitment_totals, partnership_get
from partners.services.commitments import commitment_create, delivery_record
from partners.services.partnerships import workspace_today
from tests.factories import MembershipFactory, WorkspaceFactory
from tests.goals.helpers import make_goal, make_milestone
from tests.impact.helpers import (
    make_indicator,
    make_measurement,
    make_partnership,
    periods_of,
)

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def remind(cast, recipient, *, read: bool = False) -> Reminder:  # type: ignore[no-untyped-def]
    return Reminder.objects.create(
        workspace=cast.workspace,
        recipient=recipient,
        kind=ReminderKind.MILESTONE_DUE,
        subject_type="milestone",
        subject_id=Reminder.objects.count() + 1,
        occurrence="2026-03-09",
        title="A milestone is due",
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def filled(cast_a):  # type: ignore[no-untyped-def]
    """A partnership with undated and dated goals, milestones done, overdue, due soon and
    later, an indicator without a goal, figures approved and waiting, reported by two
    organizations, commitments in two kinds and two currencies with deliveries, more
    events than the page shows, and unread notifications; and a second partnership whose
    rows must stay out."""
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
        reported = make_indicator(
            cast_a,
            partnership=partnership,
            goal=soon,
            name="B indicator",
            reporters=[cast_a.organization, cast_a.other_organization],
        )
        make_indicator(cast_a, partnership=partnership, name="A indicator")
        make_indicator(cast_a, partnership=partnership, goal=late, name="Ab indicator")
        periods = periods_of(reported)
        make_measurement(cast_a, indicator=reported, period=periods[0], value=10)
        make_measurement(
            cast_a,
            indicator=reported,
            period=periods[1],
            value=5,
            organization=cast_a.other_organization,
            status=MeasurementStatus.SUBMITTED,
        )
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
        for index in range(RECENT_EVENTS):
            ActivityEvent.objects.create(
                workspace=cast_a.workspace,
                actor_user=cast_a.partner,
                action=EventAction.UPDATE,
                object_type="goals.sharedgoal",
                object_id=late.pk,
                object_repr=f"Change {index}",
                partnership_id=partnership.pk,
            )
        for person in (cast_a.coordinator, cast_a.partner):
            remind(cast_a, person)
            remind(cast_a, person)
            remind(cast_a, person, read=True)
        other = make_partnership(cast_a)
        make_milestone(cast_a, make_goal(cast_a, partnership=other), days=1)
        make_indicator(cast_a, partnership=other)
    return partnership


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_the_dashboard_reads_answer_like_the_general_selectors(cast_a, filled, role):
    user = cast_a.user(role)
    with workspace_context(cast_a.workspace):
        access = resolve_workspace_access(user=user, workspace_slug=cast_a.workspace.slug)
        dashboard = partnership_dashboard(
            workspace=cast_a.workspace, access=access, pk=filled.pk, reader_id=user.pk
        )
        partnership = partnership_get(workspace=cast_a.workspace, access=access, pk=filled.pk)
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
        progress = indicators_progress(
            workspace=cast_a.workspace, indicator_ids=[i.pk for i in indicators]
        )
        sees_all = role == "coordinator"
        needs = indicator_needs(
            workspace=cast_a.workspace,
            partnership_ids=[filled.pk],
            today=today,
            organization_id=None if sees_all else cast_a.organization.pk,
        )
        totals = commitment_totals(workspace=cast_a.workspace, partnership=filled).totals
        events = list(
            events_visible_to(workspace=cast_a.workspace, access=access)
            .filter(partnership_id=filled.pk)
            .select_related("actor_user", "actor_key")
            .order_by("-created_at", "-id")[:RECENT_EVENTS]
        )
        unread = unread_count(workspace=cast_a.workspace, user=user)

    def fields(instance) -> dict:  # type: ignore[no-untyped-def,type-arg]
        return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}

    def goal_row(goal: SharedGoal) -> tuple:  # type: ignore[type-arg]
        return (fields(goal), goal.milestone_count, goal.milestones_done)

    assert fields(dashboard.partnership) == fields(partnership)
    assert [goal_row(g) for g in dashboard.goals] == [goal_row(g) for g in goals]
    assert [g.target_date is None for g in dashboard.goals] == [False, False, True]
    assert [(g.milestone_count, g.milestones_done) for g in dashboard.goals] == [
        (2, 1),
        (3, 0),
        (1, 1),
    ]
    shown = dashboard.overdue_milestones + dashboard.upcoming_milestones
    assert [fields(m) for m in shown] == [fields(m) for m in due]
    assert len(dashboard.overdue_milestones) == 1
    assert len(dashboard.upcoming_milestones) == 2
    assert [fields(row.indicator) for row in dashboard.indicators] == [
        fields(i) for i in indicators
    ]
    # Progress and owed figures: the two aggregates' answers, as their own functions give.
    assert {row.indicator.pk: row.progress for row in dashboard.indicators} == progress
    assert {row.indicator.pk: row.owed for row in dashboard.indicators} == {
        i: n.owed for i, n in needs.indicators.items()
    }
    owed = [n.owed if sees_all else n.owed_by_organization for n in needs.indicators.values()]
    assert dashboard.owed == sum(owed) > 0
    assert dashboard.waiting == needs.waiting[filled.pk] == 1
    assert {row.progress.actual for row in dashboard.indicators} == {None, Decimal("10")}
    assert [(a.kind, a.currency, a.pledged, a.delivered) for a in dashboard.commitments.totals] == [
        (a.kind, a.currency, a.pledged, a.delivered) for a in totals
    ]
    assert [(a.currency, a.pledged, a.delivered) for a in dashboard.commitments.totals] == [
        ("EUR", Decimal("1300.50"), Decimal("300.25")),
        ("USD", Decimal("50.00"), Decimal("75.00")),
        ("EUR", Decimal("20.00"), Decimal("0.00")),
        ("", Decimal("40.00"), Decimal("7.50")),
    ]
    assert len(dashboard.activity) == RECENT_EVENTS
    assert [fields(e) for e in dashboard.activity] == [fields(e) for e in events]
    assert [e.actor_user and fields(e.actor_user) for e in dashboard.activity] == [
        e.actor_user and fields(e.actor_user) for e in events
    ]
    assert dashboard.unread_notifications == unread == 2
    # The goals the page names come with the rows: no query per milestone or indicator.
    with CaptureQueriesContext(connection) as queries:
        milestone_goals = [m.goal.title for m in shown]
        indicator_goals = [row.indicator.goal for row in dashboard.indicators]
        indicator_goals = [goal and goal.title for goal in indicator_goals]
        partnerships = {m.partnership.pk for m in shown}
        partnerships |= {g.partnership.pk for g in dashboard.goals}
        partnerships |= {row.indicator.partnership.pk for row in dashboard.indicators}
        actors = [e.actor_user and e.actor_user.email for e in dashboard.activity]
    assert len(queries) == 0
    assert milestone_goals == [m.goal.title for m in due]
    assert indicator_goals == [i.goal and i.goal.title for i in indicators]
    assert partnerships == {filled.pk}
    assert actors == [cast_a.partner.email] * RECENT_EVENTS


def test_the_unread_count_is_capped_like_the_navigations(cast_a, filled):
    with workspace_context(cast_a.workspace):
        for _ in range(UNREAD_COUNT_CAP):
            remind(cast_a, cast_a.viewer)
        access = resolve_workspace_access(user=cast_a.viewer, workspace_slug=cast_a.workspace.slug)
        dashboard = partnership_dashboard(
            workspace=cast_a.workspace, access=access, pk=filled.pk, reader_id=cast_a.viewer.pk
        )
        assert dashboard.unread_notifications == UNREAD_COUNT_CAP
        assert unread_count(workspace=cast_a.workspace, user=cast_a.viewer) == UNREAD_COUNT_CAP
        anonymous = partnership_dashboard(workspace=cast_a.workspace, access=access, pk=filled.pk)
    assert anonymous.unread_notifications is None
    html = cast_a.client("viewer").get(url("partnership_dashboard", cast_a, pk=filled.pk))
    assert f"Notifications ({UNREAD_COUNT_CAP - 1}+)" in html.content.decode()


def test_a_partner_is_refused_a_partnership_their_organization_left_or_never_joined(cast_a):
    with workspace_context(cast_a.workspace):
        left = make_partnership(cast_a, members=[cast_a.organization, cast_a.other_organization])
        PartnershipMember.objects.filter(partnership=left, organization=cast_a.organization).update(
            left_on=workspace_today(cast_a.workspace)
        )
        never = make_partnership(cast_a, members=[cast_a.other_organization])
        mine = make_partnership(cast_a, members=[cast_a.organization])
        partner = resolve_workspace_access(
            user=cast_a.partner, workspace_slug=cast_a.workspace.slug
        )
        coordinator = resolve_workspace_access(
            user=cast_a.coordinator, workspace_slug=cast_a.workspace.slug
        )
        for partnership in (left, never):
            with pytest.raises(Partnership.DoesNotExist):
                partnership_dashboard(workspace=cast_a.workspace, access=partner, pk=partnership.pk)
            assert (
                partnership_dashboard(
                    workspace=cast_a.workspace, access=coordinator, pk=partnership.pk
                ).partnership.pk
                == partnership.pk
            )
        assert (
            partnership_dashboard(
                workspace=cast_a.workspace, access=partner, pk=mine.pk
            ).partnership.pk
            == mine.pk
        )
    response = cast_a.client("partner").get(url("partnership_dashboard", cast_a, pk=left.pk))
    assert response.status_code == 404


def test_nothing_of_a_partnership_the_reader_may_not_see_is_read(cast_a, filled):
    """Every section of the reads is under the partnership's visibility, not only the
    partnership's own row: a partner whose organization is no member reads no row of it."""
    with workspace_context(cast_a.workspace):
        PartnershipMember.objects.filter(
            partnership=filled, organization=cast_a.organization
        ).update(left_on=workspace_today(cast_a.workspace))
        params = {
            "workspace": cast_a.workspace.pk,
            "pk": filled.pk,
            "organization": cast_a.organization.pk,
            "done": MilestoneStatus.DONE.value,
            "due_before": workspace_today(cast_a.workspace) + timedelta(days=UPCOMING_DAYS),
            "limit": RECENT_EVENTS,
            "reader": cast_a.partner.pk,
            "unread_cap": UNREAD_COUNT_CAP,
        }
        answers = {}
        for sees_all in (False, True):
            with connection.cursor() as cursor:
                cursor.execute(DASHBOARD_READ_SQL, {**params, "sees_all": sees_all})
                answers[sees_all] = cursor.fetchone()
    # partnership, goals, milestones, indicators, commitments, events (each a JSON array,
    # NULL for no row); then the reader's own unread count.
    assert list(answers[False][:-1]) == [None] * 6
    assert all(answers[True][:-1])
    assert answers[False][-1] == answers[True][-1] == 2


def test_a_dashboard_without_commitments_totals_nothing(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        access = resolve_workspace_access(
            user=cast_a.coordinator, workspace_slug=cast_a.workspace.slug
        )
        dashboard = partnership_dashboard(
            workspace=cast_a.workspace, access=access, pk=partnership.pk
        )
    assert dashboard.commitments.totals == []
    assert dashboard.goals == []
    assert dashboard.indicators == []
    assert (dashboard.waiting, dashboard.owed, dashboard.activity) == (0, 0, [])


def _queries(client, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 200  # the session is cached from here on
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_the_dashboard_reads_five_queries(cast_a, filled, role):
    queries = _queries(cast_a.client(role), url("partnership_dashboard", cast_a, pk=filled.pk))
    # user, memberships (with the workspace switcher's), tenant setting, the page's reads
    # (partnership, goals, milestones, indicators, commitment totals, activity, unread
    # notifications: one round trip), the two aggregates (progress, owed and waiting
    # figures: one round trip); + the test's savepoint and its release.
    assert len(queries) == 5 + 2, "\n".join(queries)
    assert not [q for q in queries if "django_session" in q]
    assert len([q for q in queries if "partnerhub_membership" in q]) == 1
    reads = [q for q in queries if "partners_partnership p" in q]
    assert len(reads) == 1 and "partnerhub_reminder" in reads[0]
    assert len([q for q in queries if "partnerhub_reminder" in q]) == 1
    # The two aggregates go together, after the reads that found the indicator ids.
    aggregates = [q for q in queries if "per_period" in q]
    assert len(aggregates) == 1 and "'closed'" in aggregates[0]
    assert queries.index(reads[0]) < queries.index(aggregates[0])
    # Row-Level Security: the tenant setting comes before any tenant table is read.
    setting = next(i for i, q in enumerate(queries) if "set_config" in q)
    assert setting < queries.index(reads[0])


def test_a_workspace_page_reads_the_membership_and_the_switcher_once(cast_a):
    second = WorkspaceFactory(name="Zz second workspace")
    MembershipFactory(workspace=second, user=cast_a.coordinator, role=Role.VIEWER)
    client = cast_a.client("coordinator")
    path = url("partnership_list", cast_a)
    queries = _queries(client, path)
    assert len([q for q in queries if "partnerhub_membership" in q]) == 1
    html = client.get(path).content.decode()
    # Both workspaces in the switcher, the current one marked.
    overview = url("workspace_overview", cast_a)
    assert f'href="{overview}" aria-current="true"' in html
    assert reverse("workspace_overview", kwargs={"workspace_slug": second.slug}) in html
    assert 'Zz second workspace <span class="switcher__role">(viewer)</span>' in html


def test_the_memberships_read_for_a_page_are_memberships_of_user(cast_a, cast_b):
    """``resolve_member_access``'s constant SQL answers ``memberships_of_user``: the same
    memberships with their workspaces, in the switcher's order."""
    for name in ("Aa first", "Zz last", "Mm middle"):
        MembershipFactory(
            workspace=WorkspaceFactory(name=name), user=cast_a.coordinator, role=Role.VIEWER
        )
    MembershipFactory(workspace=cast_b.workspace, user=cast_a.coordinator, role=Role.ADMIN)

    def row(m):  # type: ignore[no-untyped-def]
        workspace = {f.attname: getattr(m.workspace, f.attname) for f in m.workspace._meta.fields}
        return ({f.attname: getattr(m, f.attname) for f in m._meta.fields}, workspace)

    expected = [row(m) for m in memberships_of_user(user=cast_a.coordinator)]
    with workspace_context(cast_a.workspace):
        access, memberships = resolve_member_access(
            user=cast_a.coordinator, workspace_slug=cast_b.workspace.slug
        )
        with CaptureQueriesContext(connection) as queries:
            answer = [row(m) for m in memberships]
    assert len(queries) == 0  # the workspaces came with the memberships
    assert answer == expected
    assert len(answer) == 5
    assert [m.workspace.name for m in memberships] == sorted(m.workspace.name for m in memberships)
    assert access.workspace.pk == cast_b.workspace.pk and access.role == Role.ADMIN
    assert access.membership in memberships


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

_GOAL_ROW_TEMPLATE = """<tr>
          <th scope="row"><a href="{% url 'goal_detail' workspace_slug=slug pk=goal.pk %}">{{ goal.title }}</a></th>
          <td><span class="status dash-status dash-status--{{ goal.status }}">{{ goal.get_status_display }}</span></td>
          <td>{{ goal.status_reason|default:"—" }}</td>
          <td>{{ goal.target_date|date:"j M Y"|default:"—" }}</td>
          <td>{{ goal.milestones_done }} of {{ goal.milestone_count }}</td>
        </tr>"""  # noqa: E501

_MILESTONE_ROW_TEMPLATE = """<tr>
          <th scope="row"><a href="{% url 'milestone_detail' workspace_slug=slug pk=milestone.pk %}">{{ milestone.title }}</a></th>
          <td>{{ milestone.goal.title }}</td>
          <td><time datetime="{{ milestone.due_date|date:'Y-m-d' }}">{{ milestone.due_date|date:"j M Y" }}</time></td>
          <td><span class="status">{{ milestone.get_status_display }}</span></td>
          <td>{{ milestone.percent_complete }}%</td>
        </tr>"""  # noqa: E501

_ACTIVITY_ROW_TEMPLATE = """<li class="activity-entry">
      <time datetime="{{ row.event.created_at|date:'c' }}">{{ row.event.created_at|date:"j M Y H:i" }}</time> ·
      <strong>{{ row.actor }}</strong> {{ row.event.get_action_display|lower }}
      {% if row.url %}<a href="{{ row.url }}">{{ row.event.object_repr }}</a>{% else %}“{{ row.event.object_repr }}”{% endif %}
    </li>"""  # noqa: E501


def test_the_rows_built_in_python_are_the_templates_markup(cast_a, filled):
    with workspace_context(cast_a.workspace):
        indicator = filled.indicators.get(name="A indicator")
        period = indicator.periods.order_by("start_date").first()
        make_measurement(
            cast_a,
            indicator=indicator,
            period=period,
            value=Decimal("12.5"),
            status=MeasurementStatus.APPROVED,
        )
        goal = SharedGoal.objects.filter(partnership=filled, target_date__isnull=False).first()
        SharedGoal.objects.filter(pk=goal.pk).update(
            title="<Clean> water & more", status_reason="1 milestone overdue <by far>"
        )
        SharedGoal.objects.filter(partnership=filled, target_date__isnull=True).update(
            status_reason=""
        )
        Milestone.objects.filter(
            partnership=filled, due_date__lt=workspace_today(cast_a.workspace)
        ).update(title='Wells "dug" & <tested>')
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
    # Goals and milestones: with and without a target date and a reason, names to escape.
    dashboard = response.context["dashboard"]
    goal_row, milestone_row = Template(_GOAL_ROW_TEMPLATE), Template(_MILESTONE_ROW_TEMPLATE)
    assert {g.target_date is None for g in dashboard.goals} == {True, False}
    assert {bool(g.status_reason) for g in dashboard.goals} == {True, False}
    assert any("<" in g.title for g in dashboard.goals)
    assert any("&" in m.title for m in dashboard.overdue_milestones)
    goal_rows = response.context["goal_rows"]
    assert len(goal_rows) == len(dashboard.goals) == 3
    for goal, built in zip(dashboard.goals, goal_rows, strict=True):
        assert built == goal_row.render(Context({"goal": goal, "slug": slug}))
        assert built in html
    groups = response.context["milestone_groups"]
    shown = (dashboard.overdue_milestones, dashboard.upcoming_milestones)
    assert [len(g[1]) for g in groups] == [len(m) for m in shown] == [1, 2]
    for milestones, (_, built_rows, _, _) in zip(shown, groups, strict=True):
        for milestone, built in zip(milestones, built_rows, strict=True):
            assert built == milestone_row.render(Context({"milestone": milestone, "slug": slug}))
            assert built in html
    assert "“&lt;Wells &amp; &quot;pumps&quot;&gt;”" in html
    assert "<strong>An import</strong> created" in html
    # The events are whole instances (their JSON decoded as the ORM decodes it).
    assert activity[0].event.changes == {"title": "x"}
    assert {row.event.actor_user is None for row in activity} == {True, False}


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/St_Johns"])
def test_the_dates_written_out_are_the_date_filters(zone):
    """``_date``'s formats written out give what ``{{ value|date:fmt }}`` gives: every
    month and day, short years, times with and without microseconds, in the current
    time zone (a date that changes day there included)."""
    values: list[object] = [None, ""]
    for month in range(1, 13):
        for day in (1, 9, 10, 28):
            values.append(date(2026, month, day))
            values.append(datetime(2025, month, day, 23, 59, 5, tzinfo=UTC))
            values.append(datetime(2025, month, day, 0, 7, 0, 120, tzinfo=UTC))
    values += [date(999, 1, 31), datetime(1999, 12, 31, 22, 30, tzinfo=UTC)]
    with timezone.override(zone):
        for fmt in ("j M Y", "j M Y H:i", "Y-m-d", "c"):
            template = Template(f'{{{{ value|date:"{fmt}" }}}}')
            for value in values:
                if fmt == "j M Y H:i" and type(value) is date:
                    continue  # the dashboard formats times only of timestamps
                expected = template.render(Context({"value": value}))
                assert _date(value, fmt) == expected, (fmt, value)
        # A format without a written-out version goes through Django's formatter.
        assert _date(date(2026, 3, 4), "D, jS F") == "Wed, 4th March"


def test_the_reads_are_short_enough_for_psycopg_to_convert_them_once():
    # Longer texts have their placeholders found again on every request.
    assert len(DASHBOARD_READ_SQL.encode()) <= MAX_CACHED_STATEMENT_LENGTH
