"""The reminder pages: a person's notifications and their unread count in the
navigation, opening and marking read, the cadence settings, the workspace's reminder
policy (admins), and a partnership's reminder log (coordinators)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.models import (
    ActivityEvent,
    Cadence,
    EmailState,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderKind,
    ReminderPolicy,
    ReminderState,
    User,
)
from partnerhub.reminders import reminders_batch
from partnerhub.selectors_reminders import PAGE_SIZE, UNREAD_COUNT_CAP
from partnerhub.tenancy import workspace_context
from tests.conftest import Cast
from tests.partners.partnership_helpers import make_partnership

pytestmark = pytest.mark.django_db

ITEM = '<li class="card notification'
UNREAD = 'class="badge">Unread<'


def page(name: str, cast: Cast, **kwargs: object) -> str:
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def remind(
    cast: Cast,
    recipient: User,
    *,
    count: int = 1,
    title: str = "Update the milestone",
    partnership_id: int | None = None,
    path: str | None = None,
    read: bool = False,
    kind: str = ReminderKind.MANUAL,
) -> list[Reminder]:
    with workspace_context(cast.workspace):
        return Reminder.objects.bulk_create(
            [
                Reminder(
                    workspace=cast.workspace,
                    recipient=recipient,
                    kind=kind,
                    subject_type="test",
                    subject_id=secrets.randbelow(2_000_000_000),
                    occurrence="once",
                    partnership_id=partnership_id,
                    title=f"{title} {number}" if count > 1 else title,
                    detail="Due on 3 March",
                    path=path or f"/w/{cast.workspace.slug}/my-work/",
                    read_at=datetime.now(UTC) if read else None,
                )
                for number in range(count)
            ]
        )


def count_queries(client, url: str) -> tuple[int, object]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


# --- The list -------------------------------------------------------------------------


def test_the_list_shows_only_the_persons_own_reminders_newest_first(cast_a: Cast, cast_b: Cast):
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=UTC), tick=False):
        remind(cast_a, cast_a.partner, title="Older one")
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        remind(cast_a, cast_a.partner, title="Newer one", read=True)
    remind(cast_a, cast_a.viewer, title="The viewer's own")
    remind(cast_b, cast_b.partner, title="Workspace B's")

    response = cast_a.client("partner").get(page("notification_list", cast_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Newer one") < body.index("Older one")
    assert "The viewer's own" not in body
    assert "Workspace B's" not in body
    # Unread is marked in text (and in bold), read is not.
    assert body.count(UNREAD) == 1
    assert body.index(UNREAD) > body.index("Newer one")
    assert "Mark all as read" in body


def test_a_person_with_no_reminders_is_told_so(cast_a: Cast):
    body = cast_a.client("viewer").get(page("notification_list", cast_a)).content.decode()
    assert "You have no notifications" in body
    assert "Mark all as read" not in body


def test_other_workspaces_answer_404(cast_a: Cast, cast_b: Cast):
    client = cast_b.client("admin")
    assert client.get(page("notification_list", cast_a)).status_code == 404
    assert client.get(page("notification_settings", cast_a)).status_code == 404


def test_the_list_pages_by_keyset_with_constant_queries(cast_a: Cast):
    client = cast_a.client("partner")
    url = page("notification_list", cast_a)
    remind(cast_a, cast_a.partner, count=3)
    few, _ = count_queries(client, url)
    remind(cast_a, cast_a.partner, count=PAGE_SIZE + 5)
    many, response = count_queries(client, url)
    assert few == many
    assert response.content.decode().count(ITEM) == PAGE_SIZE
    older = response.context["older_url"]
    assert older
    second, response = count_queries(client, url + older)
    assert second == many
    assert response.content.decode().count(ITEM) == 8
    assert response.context["older_url"] is None
    # No reminder is on both pages.
    shown = {r.pk for r in response.context["reminders"]}
    first_page = client.get(url).context["reminders"]
    assert shown.isdisjoint({r.pk for r in first_page})


# --- The unread count in the navigation --------------------------------------------------


def test_the_navigation_shows_the_unread_count_with_an_accessible_label(cast_a: Cast):
    remind(cast_a, cast_a.partner, count=3)
    remind(cast_a, cast_a.partner, read=True)
    remind(cast_a, cast_a.viewer, count=2)
    body = cast_a.client("partner").get(page("workspace_overview", cast_a)).content.decode()
    link = (
        f'<a href="{page("notification_list", cast_a)}" aria-label="Notifications, 3 unread">'
        "Notifications (3)</a>"
    )
    assert link in body


def test_no_count_when_nothing_is_unread(cast_a: Cast):
    remind(cast_a, cast_a.partner, read=True)
    body = cast_a.client("partner").get(page("workspace_overview", cast_a)).content.decode()
    assert f'href="{page("notification_list", cast_a)}">Notifications</a>' in body


def test_a_large_backlog_is_counted_up_to_a_cap(cast_a: Cast):
    remind(cast_a, cast_a.partner, count=UNREAD_COUNT_CAP + 3)
    body = cast_a.client("partner").get(page("workspace_overview", cast_a)).content.decode()
    assert f"Notifications ({UNREAD_COUNT_CAP - 1}+)</a>" in body
    assert f'aria-label="Notifications, {UNREAD_COUNT_CAP - 1}+ unread"' in body


def test_the_count_costs_one_query_and_only_inside_a_workspace(cast_a: Cast):
    client = cast_a.client("partner")
    overview = page("workspace_overview", cast_a)
    without = [q["sql"] for q in _queries(client, overview)]
    remind(cast_a, cast_a.partner, count=7)
    with_reminders = [q["sql"] for q in _queries(client, overview)]
    counts = [sql for sql in with_reminders if "partnerhub_reminder" in sql]
    assert len(counts) == 1
    assert "COUNT(" in counts[0].upper()
    assert len(with_reminders) == len(without)
    # Outside a workspace (the home page) there is no count and no query for it.
    home = [q["sql"] for q in _queries(client, reverse("home") + "?stay=1")]
    assert not [sql for sql in home if "partnerhub_reminder" in sql]


def test_the_count_matches_the_partial_index_of_unread_reminders(cast_a: Cast):
    """The count filters exactly on the index reminder_ws_unread (workspace, recipient,
    WHERE read_at IS NULL) and stops counting at the cap."""
    remind(cast_a, cast_a.partner, count=2)
    client = cast_a.client("partner")
    [sql] = [
        q["sql"]
        for q in _queries(client, page("workspace_overview", cast_a))
        if "partnerhub_reminder" in q["sql"]
    ]
    sql = sql.replace('"', "")  # quoted by the ORM or not
    assert "workspace_id = " in sql
    assert "recipient_id = " in sql
    assert "read_at IS NULL" in sql
    assert f"LIMIT {UNREAD_COUNT_CAP}" in sql


def _queries(client, url: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return captured.captured_queries


# --- Reading ---------------------------------------------------------------------------


def test_mark_all_as_read_marks_only_the_persons_own(cast_a: Cast):
    mine = remind(cast_a, cast_a.partner, count=3)
    theirs = remind(cast_a, cast_a.viewer)
    client = cast_a.client("partner")
    response = client.post(page("notification_mark_read", cast_a))
    assert response.status_code == 302
    assert response["Location"] == page("notification_list", cast_a)
    with workspace_context(cast_a.workspace):
        assert all(
            r.read_at is not None for r in Reminder.objects.filter(pk__in=[m.pk for m in mine])
        )
        assert Reminder.objects.get(pk=theirs[0].pk).read_at is None
    body = client.get(page("notification_list", cast_a)).content.decode()
    assert "3 notifications marked as read." in body
    assert UNREAD not in body


def test_mark_all_as_read_needs_a_post(cast_a: Cast):
    response = cast_a.client("partner").get(page("notification_mark_read", cast_a))
    assert response.status_code == 405


def test_opening_a_notification_marks_it_read_and_goes_to_its_form(cast_a: Cast):
    [reminder] = remind(cast_a, cast_a.partner, path=f"/w/{cast_a.workspace.slug}/my-figures/")
    client = cast_a.client("partner")
    body = client.get(page("notification_list", cast_a)).content.decode()
    open_url = page("notification_open", cast_a, pk=reminder.pk)
    assert f'href="{open_url}"' in body
    with time_machine.travel(datetime(2026, 4, 1, 10, tzinfo=UTC), tick=False):
        response = client.get(open_url)
    assert response.status_code == 302
    assert response["Location"] == f"/w/{cast_a.workspace.slug}/my-figures/"
    with workspace_context(cast_a.workspace):
        reminder.refresh_from_db()
    assert reminder.read_at == datetime(2026, 4, 1, 10, tzinfo=UTC)
    # Opening it again keeps the first time it was read.
    client.get(open_url)
    with workspace_context(cast_a.workspace):
        reminder.refresh_from_db()
    assert reminder.read_at == datetime(2026, 4, 1, 10, tzinfo=UTC)


def test_someone_elses_notification_answers_404_and_stays_unread(cast_a: Cast, cast_b: Cast):
    [reminder] = remind(cast_a, cast_a.viewer)
    [b_reminder] = remind(cast_b, cast_b.partner)
    client = cast_a.client("admin")
    assert client.get(page("notification_open", cast_a, pk=reminder.pk)).status_code == 404
    assert client.get(page("notification_open", cast_a, pk=b_reminder.pk)).status_code == 404
    with workspace_context(cast_a.workspace):
        reminder.refresh_from_db()
    assert reminder.read_at is None


def test_an_unsafe_path_is_not_followed(cast_a: Cast):
    [reminder] = remind(cast_a, cast_a.partner, path="//evil.example/phish")
    response = cast_a.client("partner").get(page("notification_open", cast_a, pk=reminder.pk))
    assert response["Location"] == page("notification_list", cast_a)


def test_after_login_the_link_lands_on_the_form(cast_a: Cast):
    """An email's link for someone signed out: log in, then the exact form."""
    from django.test import Client

    from tests.factories import PASSWORD

    form = f"/w/{cast_a.workspace.slug}/my-work/"
    response = Client().get(form)
    assert response.status_code == 302
    login = response["Location"]
    client = Client()
    response = client.post(login, {"login": cast_a.partner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == form


# --- The person's cadence ------------------------------------------------------------


def test_settings_show_the_default_and_the_workspace_digest_hour(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        ReminderPolicy.objects.create(workspace=cast_a.workspace, digest_hour=7)
    response = cast_a.client("partner").get(page("notification_settings", cast_a))
    assert response.status_code == 200
    assert response.context["form"].initial["cadence"] == Cadence.DAILY
    body = response.content.decode()
    assert "07:00 (Europe/Berlin)" in body
    assert re.search(r'<input[^>]*value="daily"[^>]*checked', body)
    assert not re.search(r'<input[^>]*value="weekly"[^>]*checked', body)


def test_choosing_a_cadence_saves_it_and_records_it(cast_a: Cast):
    client = cast_a.client("partner")
    response = client.post(page("notification_settings", cast_a), {"cadence": "weekly"})
    assert response.status_code == 302
    with workspace_context(cast_a.workspace):
        preference = NotificationPreference.objects.get(user=cast_a.partner)
        event = ActivityEvent.objects.filter(object_type="partnerhub.notificationpreference").get()
    assert preference.cadence == Cadence.WEEKLY
    assert event.changes == {"cadence": ["daily", "weekly"]}
    response = client.get(page("notification_settings", cast_a))
    assert response.context["form"].initial["cadence"] == Cadence.WEEKLY
    assert "A weekly digest" in response.content.decode()


def test_a_cadence_outside_the_choices_is_a_form_error(cast_a: Cast):
    response = cast_a.client("partner").post(
        page("notification_settings", cast_a), {"cadence": "hourly"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["cadence"]
    assert "The setting was not saved" in response.content.decode()


def test_turning_emails_off_withdraws_an_email_waiting_for_its_window(cast_a: Cast):
    remind(cast_a, cast_a.partner, count=2)
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    reminders_batch(workspace=cast_a.workspace, now=now)
    with workspace_context(cast_a.workspace):
        assert ReminderEmail.objects.filter(recipient=cast_a.partner).count() == 1
    cast_a.client("partner").post(page("notification_settings", cast_a), {"cadence": "off"})
    with workspace_context(cast_a.workspace):
        assert not ReminderEmail.objects.filter(recipient=cast_a.partner).exists()
        states = set(
            Reminder.objects.filter(recipient=cast_a.partner).values_list("state", flat=True)
        )
    assert states == {ReminderState.NOT_EMAILED}


def test_an_email_being_sent_is_left_to_finish(cast_a: Cast):
    remind(cast_a, cast_a.partner)
    reminders_batch(workspace=cast_a.workspace, now=datetime(2026, 3, 2, 12, tzinfo=UTC))
    with workspace_context(cast_a.workspace):
        ReminderEmail.objects.update(state=EmailState.SENDING, attempts=1)
    cast_a.client("partner").post(page("notification_settings", cast_a), {"cadence": "off"})
    with workspace_context(cast_a.workspace):
        assert ReminderEmail.objects.filter(recipient=cast_a.partner).count() == 1


# --- The workspace's reminder policy (admins) -----------------------------------------

VALID_POLICY = {
    "enabled_kinds": ["milestone_due", "milestone_overdue", "figure_missing"],
    "digest_hour": "6",
    "weekly_digest_weekday": "4",
    "milestone_due_days": "1, 7, 3",
    "overdue_repeat_days": "5",
    "overdue_escalate_days": "10",
    "stale_update_days": "21",
    "missing_repeat_days": "14, 7",
    "missing_escalate_days": "14",
    "health_check_days_before_close": "2",
}


def test_the_policy_form_shows_the_defaults(cast_a: Cast):
    response = cast_a.client("admin").get(page("reminder_policy", cast_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="7, 1"' in body
    assert 'value="7, 14"' in body
    assert "Europe/Berlin" in body
    assert body.count('type="checkbox" name="enabled_kinds"') == len(ReminderKind.choices)


def test_an_admin_changes_the_policy_and_it_is_recorded(cast_a: Cast):
    response = cast_a.client("admin").post(page("reminder_policy", cast_a), VALID_POLICY)
    assert response.status_code == 302
    with workspace_context(cast_a.workspace):
        policy = ReminderPolicy.objects.for_workspace(cast_a.workspace).get()
        event = ActivityEvent.objects.filter(object_type="partnerhub.reminderpolicy").get()
    assert policy.enabled_kinds == ["milestone_due", "milestone_overdue", "figure_missing"]
    assert policy.digest_hour == 6
    assert policy.weekly_digest_weekday == 4
    assert policy.milestone_due_days == [7, 3, 1]
    assert policy.missing_repeat_days == [7, 14]
    assert policy.stale_update_days == 21
    assert policy.health_check_days_before_close == 2
    assert event.actor_user == cast_a.admin
    assert event.changes["digest_hour"] == [8, 6]
    assert event.changes["milestone_due_days"] == [[7, 1], [7, 3, 1]]
    # Saving the same values again records nothing new.
    cast_a.client("admin").post(page("reminder_policy", cast_a), VALID_POLICY)
    with workspace_context(cast_a.workspace):
        assert ActivityEvent.objects.filter(object_type="partnerhub.reminderpolicy").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("milestone_due_days", "7, soon", "Enter whole numbers of days separated by commas"),
        ("milestone_due_days", "0", "between 1 and 365"),
        ("milestone_due_days", "", "Enter at least one number of days"),
        ("missing_repeat_days", "400", "between 1 and 365"),
        ("digest_hour", "24", "Select a valid choice"),
        ("weekly_digest_weekday", "7", "Select a valid choice"),
        ("overdue_repeat_days", "0", "greater than or equal to 1"),
        ("stale_update_days", "abc", "Enter a whole number"),
        ("enabled_kinds", ["milestone_due", "coffee_break"], "Select a valid choice"),
    ],
)
def test_the_policy_form_explains_invalid_values(cast_a: Cast, field, value, message):
    data = {**VALID_POLICY, field: value}
    response = cast_a.client("admin").post(page("reminder_policy", cast_a), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert "The reminder settings were not saved" in response.content.decode()
    with workspace_context(cast_a.workspace):
        assert not ReminderPolicy.objects.for_workspace(cast_a.workspace).exists()


def test_no_due_days_are_fine_when_due_reminders_are_off(cast_a: Cast):
    data = {**VALID_POLICY, "enabled_kinds": ["figure_missing"], "milestone_due_days": ""}
    response = cast_a.client("admin").post(page("reminder_policy", cast_a), data)
    assert response.status_code == 302


@pytest.mark.parametrize("role", ["coordinator", "partner", "viewer"])
def test_only_admins_adjust_the_policy(cast_a: Cast, role: str):
    client = cast_a.client(role)
    assert client.get(page("reminder_policy", cast_a)).status_code == 403
    assert client.post(page("reminder_policy", cast_a), VALID_POLICY).status_code == 403


def test_the_workspace_settings_link_to_the_reminder_policy(cast_a: Cast):
    body = cast_a.client("admin").get(page("workspace_settings", cast_a)).content.decode()
    assert f'href="{page("reminder_policy", cast_a)}"' in body


# --- A partnership's reminder log -----------------------------------------------------


def test_the_log_shows_what_was_sent_to_whom(cast_a: Cast):
    partnership = make_partnership(cast_a)
    other = make_partnership(cast_a, name="Other partnership")
    [sent] = remind(
        cast_a, cast_a.partner, title="Report the figure", partnership_id=partnership.pk
    )
    remind(cast_a, cast_a.coordinator, title="Review figures", partnership_id=partnership.pk)
    remind(cast_a, cast_a.partner, title="Elsewhere", partnership_id=other.pk)
    with workspace_context(cast_a.workspace):
        email = ReminderEmail.objects.create(
            workspace=cast_a.workspace,
            recipient=cast_a.partner,
            window="daily:2026-03-02",
            send_after=datetime(2026, 3, 2, 7, tzinfo=UTC),
            state=EmailState.SENT,
            sent_at=datetime(2026, 3, 2, 7, 1, tzinfo=UTC),
        )
        Reminder.objects.filter(pk=sent.pk).update(email=email, state=ReminderState.SENT)
    response = cast_a.client("coordinator").get(
        page("partnership_reminders", cast_a, pk=partnership.pk)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Report the figure" in body
    assert "Review figures" in body
    assert "Elsewhere" not in body
    assert cast_a.partner.email in body
    assert "2 Mar 2026 08:01" in body  # the send time in the workspace's timezone
    assert "Sent" in body


def test_the_log_pages_by_keyset_with_constant_queries(cast_a: Cast):
    partnership = make_partnership(cast_a)
    client = cast_a.client("coordinator")
    url = page("partnership_reminders", cast_a, pk=partnership.pk)
    people = [cast_a.partner, cast_a.viewer, cast_a.admin]
    for person in people:
        remind(cast_a, person, partnership_id=partnership.pk)
    few, _ = count_queries(client, url)
    for person in people:
        remind(cast_a, person, count=20, partnership_id=partnership.pk)
    many, response = count_queries(client, url)
    assert few == many
    assert len(response.context["reminders"]) == PAGE_SIZE
    older = response.context["older_url"]
    second, response = count_queries(client, url + older)
    assert second == many
    assert len(response.context["reminders"]) == 63 - PAGE_SIZE


@pytest.mark.parametrize("role", ["partner", "viewer"])
def test_partners_and_viewers_may_not_see_the_log(cast_a: Cast, role: str):
    partnership = make_partnership(cast_a)
    response = cast_a.client(role).get(page("partnership_reminders", cast_a, pk=partnership.pk))
    assert response.status_code == 403


def test_another_workspaces_partnership_is_a_404(cast_a: Cast, cast_b: Cast):
    partnership = make_partnership(cast_a)
    client = cast_b.client("coordinator")
    url = reverse(
        "partnership_reminders",
        kwargs={"workspace_slug": cast_b.workspace.slug, "pk": partnership.pk},
    )
    assert client.get(url).status_code == 404
    assert client.get(page("partnership_reminders", cast_a, pk=partnership.pk)).status_code == 404
    missing = page("partnership_reminders", cast_a, pk=2_000_000_000)
    assert cast_a.client("coordinator").get(missing).status_code == 404


def test_the_partnership_page_links_to_its_log(cast_a: Cast):
    partnership = make_partnership(cast_a)
    body = (
        cast_a.client("coordinator")
        .get(
            reverse(
                "partnership_detail",
                kwargs={"workspace_slug": cast_a.workspace.slug, "pk": partnership.pk},
            )
        )
        .content.decode()
    )
    assert f'href="{page("partnership_reminders", cast_a, pk=partnership.pk)}"' in body


def test_times_in_the_list_are_local(cast_a: Cast):
    with time_machine.travel(datetime(2026, 7, 1, 6, 30, tzinfo=UTC), tick=False):
        remind(cast_a, cast_a.partner)
    body = cast_a.client("partner").get(page("notification_list", cast_a)).content.decode()
    assert "1 Jul 2026 08:30" in body
    assert 'datetime="2026-07-01T06:30:00+00:00"' in body
