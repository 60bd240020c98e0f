"""The missing-data board: which figure is owed (the definition's edge cases), the page
(filters, access, a constant number of queries), and "send a reminder now" (a reminder
per partner user in the outbox, emailed at once by the outbox's task after the commit,
the activity event, organizations without anyone to write to, rollbacks)."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from impact.models import Frequency, MeasurementStatus, ReportingPeriod
from impact.selectors_missing import OwedKey, missing_board, owed_figures
from impact.services_reminders import missing_figure_remind
from partnerhub.models import (
    ActivityEvent,
    Cadence,
    NotificationPreference,
    Reminder,
    ReminderKind,
    ReminderState,
    Role,
)
from partnerhub.tenancy import workspace_context
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def annual_indicator(cast, **fields):  # type: ignore[no-untyped-def]
    """Four annual periods: two closed (the years before this one), this year, next year."""
    year = timezone.localdate().year
    values = {
        "frequency": Frequency.ANNUAL,
        "baseline_date": date(year - 3, 12, 31),
        "target_date": date(year + 1, 12, 31),
    } | fields
    indicator = make_indicator(cast, **values)
    return indicator, periods_of(indicator)


def keys_of(board) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    return [(r.indicator_id, r.period_id, r.organization_id) for r in board.rows]


@pytest.fixture
def eager_celery(settings):  # type: ignore[no-untyped-def]
    from partnerhub.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


# --- What is owed ---------------------------------------------------------------------------


def test_closed_periods_without_a_submitted_figure_are_owed(cast_a):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
        assert len(periods) == 4
        board = missing_board(workspace=cast_a.workspace)
    org = cast_a.organization.pk
    # Oldest first; this year's and next year's periods have not closed.
    assert keys_of(board) == [
        (indicator.pk, periods[0].pk, org),
        (indicator.pk, periods[1].pk, org),
    ]
    today = timezone.localdate()
    assert board.rows[0].days_late == (today - periods[0].end_date).days
    assert board.rows[1].days_late == (today - periods[1].end_date).days
    assert board.total == 2 and not board.truncated
    assert board.rows[0].recipients == 1  # the cast's partner represents the organization
    assert board.rows[0].state_label == "Nothing entered"


@pytest.mark.parametrize(
    ("status", "owed", "label"),
    [
        (MeasurementStatus.DRAFT, True, "Draft saved, not submitted"),
        (MeasurementStatus.RETURNED, True, "Returned for changes"),
        (MeasurementStatus.SUBMITTED, False, None),
        (MeasurementStatus.APPROVED, False, None),
    ],
)
def test_drafts_and_returned_figures_are_still_owed(cast_a, status, owed, label):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
        figure = make_measurement(
            cast_a, indicator=indicator, period=periods[0], value=5, status=status
        )
        board = missing_board(workspace=cast_a.workspace)
    first = [r for r in board.rows if r.period_id == periods[0].pk]
    if owed:
        assert len(first) == 1
        assert first[0].measurement_id == figure.pk and first[0].state_label == label
    else:
        assert first == []
    assert board.total == (2 if owed else 1)


def test_locked_out_of_schedule_and_open_periods_are_not_owed(cast_a):
    with workspace_context(cast_a.workspace):
        _, periods = annual_indicator(cast_a)
        ReportingPeriod.objects.filter(pk=periods[0].pk).update(locked=True)
        ReportingPeriod.objects.filter(pk=periods[1].pk).update(in_schedule=False)
        assert missing_board(workspace=cast_a.workspace).rows == []


def test_a_period_ending_yesterday_is_owed_one_ending_today_is_not(cast_a):
    today = timezone.localdate()
    with workspace_context(cast_a.workspace):
        _, periods = annual_indicator(cast_a)
        ReportingPeriod.objects.filter(pk=periods[0].pk).update(end_date=today)
        board = missing_board(workspace=cast_a.workspace)
        assert [r.period_id for r in board.rows] == [periods[1].pk]
        yesterday = missing_board(workspace=cast_a.workspace, today=today + timezone.timedelta(1))
        assert periods[0].pk in [r.period_id for r in yesterday.rows]


def test_each_reporting_organization_owes_its_own_figure(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        indicator, periods = annual_indicator(
            cast_a,
            partnership=partnership,
            reporters=[cast_a.organization, cast_a.other_organization],
        )
        # The cast's organization submitted for the first year; the other one did not.
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[0],
            value=5,
            status=MeasurementStatus.SUBMITTED,
        )
        board = missing_board(workspace=cast_a.workspace)
        mine = missing_board(workspace=cast_a.workspace, organization_id=cast_a.organization.pk)
    assert (indicator.pk, periods[0].pk, cast_a.other_organization.pk) in keys_of(board)
    assert (indicator.pk, periods[0].pk, cast_a.organization.pk) not in keys_of(board)
    assert board.total == 3
    assert keys_of(mine) == [(indicator.pk, periods[1].pk, cast_a.organization.pk)]
    other_rows = [r for r in board.rows if r.organization_id == cast_a.other_organization.pk]
    assert {r.recipients for r in other_rows} == {0}  # nobody represents it


def test_the_board_filters_by_partnership_and_is_capped(cast_a):
    with workspace_context(cast_a.workspace):
        annual_indicator(cast_a)
        second, _ = annual_indicator(cast_a)
        only = missing_board(workspace=cast_a.workspace, partnership_id=second.partnership_id)
        capped = missing_board(workspace=cast_a.workspace, limit=3)
    assert {r.indicator_id for r in only.rows} == {second.pk}
    assert len(capped.rows) == 3 and capped.total == 4 and capped.truncated


def test_owed_figures_are_of_the_workspace_only(cast_a, cast_b):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
    key = OwedKey(indicator.pk, periods[0].pk, cast_a.organization.pk)
    with workspace_context(cast_b.workspace):
        assert missing_board(workspace=cast_b.workspace).rows == []
        assert owed_figures(workspace=cast_b.workspace, keys=[key]) == {}
    with workspace_context(cast_a.workspace):
        assert list(owed_figures(workspace=cast_a.workspace, keys=[key])) == [key]


def test_row_keys_round_trip_and_refuse_garbage():
    key = OwedKey(3, 14, 15)
    assert OwedKey.decode(key.encode()) == key
    for raw in ("", "1:2", "1:2:x", "1:2:3:4", "0:1:2", "-1:2:3", "a:b:c", f"1:2:{2**63}"):
        assert OwedKey.decode(raw) is None
    assert OwedKey.decode(f"1:2:{2**63 - 1}") == OwedKey(1, 2, 2**63 - 1)


def test_ids_beyond_the_largest_key_are_refused_not_a_server_error(cast_a):
    response = cast_a.client("coordinator").post(
        url("missing_data_remind", cast_a), {"one": f"{10**30}:1:1"}, follow=True
    )
    assert response.status_code == 200
    assert "Choose at least one missing figure" in response.content.decode()


# --- The page -------------------------------------------------------------------------------


def test_coordinator_sees_who_owes_what_oldest_first(cast_a):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a, name="Children enrolled")
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[1],
            value=5,
            status=MeasurementStatus.RETURNED,
        )
    response = cast_a.client("coordinator").get(url("missing_data", cast_a))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 figures owed" in html
    assert html.count("Children enrolled") >= 2
    first, second = (f"{p.start_date:%-d %b %Y}" for p in periods[:2])
    assert html.index(first) < html.index(second)
    assert "Returned for changes" in html
    assert html.count("Send a reminder now") == 2
    assert OwedKey(indicator.pk, periods[0].pk, cast_a.organization.pk).encode() in html
    assert "style=" not in html


def test_the_board_says_when_nobody_can_be_reminded(cast_a):
    with workspace_context(cast_a.workspace):
        annual_indicator(cast_a, reporters=[cast_a.other_organization])
    html = cast_a.client("admin").get(url("missing_data", cast_a)).content.decode()
    assert f"No partner user of {cast_a.other_organization.name} to remind." in html
    assert "Send a reminder now" not in html
    assert 'name="row"' not in html


def test_filters_narrow_the_board(cast_a):
    with workspace_context(cast_a.workspace):
        annual_indicator(cast_a, name="First indicator")
        second, _ = annual_indicator(
            cast_a, name="Second indicator", reporters=[cast_a.other_organization]
        )
    client = cast_a.client("coordinator")
    html = client.get(
        url("missing_data", cast_a), {"partnership": second.partnership_id}
    ).content.decode()
    assert "Second indicator" in html and "First indicator" not in html
    html = client.get(
        url("missing_data", cast_a), {"organization": cast_a.organization.pk}
    ).content.decode()
    assert "First indicator" in html and "Second indicator" not in html
    html = client.get(
        url("missing_data", cast_a),
        {"organization": cast_a.organization.pk, "partnership": second.partnership_id},
    ).content.decode()
    assert "No figure matching the filters is owed." in html
    # A choice that is not on the list is an error on the form, not a crash.
    response = client.get(url("missing_data", cast_a), {"organization": "999999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("role", ["partner", "viewer"])
def test_partners_and_viewers_may_not_see_the_board_or_remind(cast_a, role):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
    client = cast_a.client(role)
    assert client.get(url("missing_data", cast_a)).status_code == 403
    key = OwedKey(indicator.pk, periods[0].pk, cast_a.organization.pk).encode()
    assert client.post(url("missing_data_remind", cast_a), {"one": key}).status_code == 403
    assert mail.outbox == []


def test_other_workspaces_get_404(cast_a, cast_b):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
    key = OwedKey(indicator.pk, periods[0].pk, cast_a.organization.pk).encode()
    client = cast_b.client("coordinator")
    assert client.get(url("missing_data", cast_a)).status_code == 404
    assert client.post(url("missing_data_remind", cast_a), {"one": key}).status_code == 404
    # Their own board does not list A's figures, and A's keys are not owed there.
    assert key not in client.get(url("missing_data", cast_b)).content.decode()
    response = client.post(url("missing_data_remind", cast_b), {"one": key}, follow=True)
    assert "not owed any more" in response.content.decode()
    assert mail.outbox == []


def _board_queries(cast) -> int:  # type: ignore[no-untyped-def]
    client = cast.client("coordinator")
    client.get(url("missing_data", cast))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("missing_data", cast))
    assert response.status_code == 200
    return len(queries)


def test_the_board_query_count_does_not_grow_with_rows(cast_a):
    with workspace_context(cast_a.workspace):
        annual_indicator(cast_a)
    few = _board_queries(cast_a)
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        for _ in range(6):
            indicator, periods = annual_indicator(
                cast_a,
                partnership=partnership,
                reporters=[cast_a.organization, cast_a.other_organization],
            )
            make_measurement(
                cast_a,
                indicator=indicator,
                period=periods[0],
                value=1,
                status=MeasurementStatus.DRAFT,
            )
    # session, user, membership and workspace, the tenant setting, the board (one query),
    # the navigation's memberships, the filter's partnership and organization choices.
    assert _board_queries(cast_a) == few


# --- Send a reminder now --------------------------------------------------------------------


def test_a_reminder_emails_the_organizations_partners_through_the_outbox(
    cast_a, eager_celery, django_capture_on_commit_callbacks
):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a, name="Meals served", unit="meals")
        colleague = UserFactory(email="colleague@example.org")
        MembershipFactory(
            user=colleague,
            workspace=cast_a.workspace,
            role=Role.PARTNER,
            organization=cast_a.organization,
        )
        gone = UserFactory(email="gone@example.org", is_active=False)
        MembershipFactory(
            user=gone,
            workspace=cast_a.workspace,
            role=Role.PARTNER,
            organization=cast_a.organization,
        )
        # A daily digest is the default; a reminder sent by hand still goes out now.
        NotificationPreference.objects.create(
            workspace=cast_a.workspace, user=colleague, cadence=Cadence.WEEKLY
        )
    key = OwedKey(indicator.pk, periods[0].pk, cast_a.organization.pk)
    client = cast_a.client("coordinator")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("missing_data_remind", cast_a), {"one": key.encode()})
    assert response.status_code == 302
    assert len(callbacks) == 1  # one delivery task, after the commit
    assert sorted(m.to[0] for m in mail.outbox) == [
        "colleague@example.org",
        cast_a.partner.email,
    ]
    message = mail.outbox[0]
    assert all(len(m.to) == 1 for m in mail.outbox)  # no one sees the others' addresses
    assert message.subject == f"1 reminder for {cast_a.workspace.name}"
    link = settings.SITE_URL + reverse(
        "measurement_report",
        kwargs={
            "workspace_slug": cast_a.workspace.slug,
            "indicator_pk": indicator.pk,
            "period_pk": periods[0].pk,
        },
    )
    link += f"?organization={cast_a.organization.pk}"
    assert "Meals served" in message.body and link in message.body
    days = (timezone.localdate() - periods[0].end_date).days
    assert f"({days} days late)" in message.body
    assert f"asked {cast_a.organization.name} for this figure" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and link.replace("&", "&amp;") in html
    assert message.extra_headers["Message-ID"].startswith("<reminder-")
    page = client.get(response["Location"]).content.decode()
    assert f"Reminder sent to {cast_a.organization.name} (2 people)" in page
    with workspace_context(cast_a.workspace):
        event = ActivityEvent.objects.get(object_type="impact.reportingperiod")
        reminders = list(Reminder.objects.order_by("recipient__email"))
    assert event.actor_user == cast_a.coordinator
    assert event.object_id == periods[0].pk
    assert event.partnership_id == indicator.partnership_id
    assert event.changes["organization"] == cast_a.organization.name
    assert event.changes["indicator"] == "Meals served"
    assert event.changes["recipients"] == 2
    # The outbox keeps them: in each person's notifications and the partnership's log.
    assert [(r.recipient_id, r.kind, r.state) for r in reminders] == [
        (colleague.pk, ReminderKind.MANUAL, ReminderState.SENT),
        (cast_a.partner.pk, ReminderKind.MANUAL, ReminderState.SENT),
    ]
    assert {r.partnership_id for r in reminders} == {indicator.partnership_id}


def test_sending_again_reminds_again(cast_a, eager_celery, django_capture_on_commit_callbacks):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
    key = OwedKey(indicator.pk, periods[0].pk, cast_a.organization.pk)
    client = cast_a.client("coordinator")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("missing_data_remind", cast_a), {"one": key.encode()})
    assert [m.to for m in mail.outbox] == [[cast_a.partner.email]] * 2
    assert mail.outbox[0].extra_headers["Message-ID"] != mail.outbox[1].extra_headers["Message-ID"]


def test_a_person_who_turned_emails_off_is_reminded_in_the_app_only(
    cast_a, eager_celery, django_capture_on_commit_callbacks
):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
        NotificationPreference.objects.create(
            workspace=cast_a.workspace, user=cast_a.partner, cadence=Cadence.OFF
        )
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            missing_figure_remind(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                indicator_id=indicator.pk,
                period_id=periods[0].pk,
                organization_id=cast_a.organization.pk,
            )
        reminder = Reminder.objects.get()
    assert mail.outbox == []
    assert reminder.state == ReminderState.NOT_EMAILED and reminder.read_at is None


def test_bulk_reminders_send_the_selected_and_refuse_the_rest(
    cast_a, eager_celery, django_capture_on_commit_callbacks
):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        indicator, periods = annual_indicator(
            cast_a,
            partnership=partnership,
            reporters=[cast_a.organization, cast_a.other_organization],
        )
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods[1],
            value=1,
            status=MeasurementStatus.SUBMITTED,
        )
    rows = [
        OwedKey(indicator.pk, periods[0].pk, cast_a.organization.pk).encode(),
        OwedKey(indicator.pk, periods[0].pk, cast_a.other_organization.pk).encode(),  # nobody
        OwedKey(indicator.pk, periods[1].pk, cast_a.organization.pk).encode(),  # submitted
        "not-a-key",
    ]
    client = cast_a.client("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("missing_data_remind", cast_a),
            {"row": rows, "partnership": partnership.pk},
            follow=True,
        )
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"?partnership={partnership.pk}")
    assert [m.to for m in mail.outbox] == [[cast_a.partner.email]]
    assert f"Reminder sent to {cast_a.organization.name} (1 person)" in html
    assert f"{cast_a.other_organization.name} has no partner user" in html
    assert "not owed any more" in html
    with workspace_context(cast_a.workspace):
        assert ActivityEvent.objects.filter(object_type="impact.reportingperiod").count() == 1


def test_nothing_selected_is_an_error(cast_a):
    response = cast_a.client("coordinator").post(url("missing_data_remind", cast_a), follow=True)
    assert "Choose at least one missing figure" in response.content.decode()


def test_the_entry_point_refuses_what_it_cannot_send(cast_a, django_capture_on_commit_callbacks):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a, reporters=[cast_a.other_organization])
        with django_capture_on_commit_callbacks() as callbacks:
            with pytest.raises(ValidationError, match="no partner user"):
                missing_figure_remind(
                    workspace=cast_a.workspace,
                    actor=cast_a.coordinator,
                    indicator_id=indicator.pk,
                    period_id=periods[0].pk,
                    organization_id=cast_a.other_organization.pk,
                )
            with pytest.raises(ValidationError, match="not owed"):
                missing_figure_remind(
                    workspace=cast_a.workspace,
                    actor=cast_a.coordinator,
                    indicator_id=indicator.pk,
                    period_id=periods[3].pk,  # next year's: still open
                    organization_id=cast_a.other_organization.pk,
                )
        assert not ActivityEvent.objects.filter(object_type="impact.reportingperiod").exists()
    assert callbacks == []


def test_nothing_is_enqueued_when_the_transaction_rolls_back(
    cast_a, eager_celery, django_capture_on_commit_callbacks
):
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        workspace_context(cast_a.workspace),
    ):
        sent = missing_figure_remind(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            indicator_id=indicator.pk,
            period_id=periods[0].pk,
            organization_id=cast_a.organization.pk,
        )
        assert sent.recipients == 1
        raise RuntimeError("the request failed after the reminder")
    assert callbacks == []
    assert mail.outbox == []
    with workspace_context(cast_a.workspace):
        assert not ActivityEvent.objects.filter(object_type="impact.reportingperiod").exists()
        assert not Reminder.objects.exists()


def test_reminders_are_only_for_this_workspaces_partners(
    cast_a, cast_b, eager_celery, django_capture_on_commit_callbacks
):
    """A partner of another workspace representing an organization of the same name is
    never written to: recipients come from this workspace's memberships."""
    with workspace_context(cast_b.workspace):
        twin = OrganizationFactory(workspace=cast_b.workspace, name=cast_a.organization.name)
        MembershipFactory(
            user=UserFactory(email="twin@example.org"),
            workspace=cast_b.workspace,
            role=Role.PARTNER,
            organization=twin,
        )
    with workspace_context(cast_a.workspace):
        indicator, periods = annual_indicator(cast_a)
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            missing_figure_remind(
                workspace=cast_a.workspace,
                actor=cast_a.admin,
                indicator_id=indicator.pk,
                period_id=periods[0].pk,
                organization_id=cast_a.organization.pk,
            )
    assert [m.to for m in mail.outbox] == [[cast_a.partner.email]]
