"""The reminder email as people receive it (rendered through the sender), and its
unsubscribe link: public, signed, one-click (RFC 8058), idempotent, and honoured by the
engine afterwards."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from partnerhub.models import (
    ActivityEvent,
    Cadence,
    NotificationPreference,
    Reminder,
    ReminderEmail,
    ReminderKind,
    ReminderState,
    User,
    Workspace,
)
from partnerhub.reminders import (
    message_id_for,
    reminders_batch,
    reminders_send_due,
    unsubscribe_payload,
    unsubscribe_token,
)
from partnerhub.tenancy import workspace_context
from tests.conftest import Cast
from tests.factories import MembershipFactory
from tests.partners.partnership_helpers import make_partnership

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)  # after the default 08:00 digest in Berlin


def unsubscribe_url(user: User, workspace: Workspace) -> str:
    token = unsubscribe_token(user_id=user.pk, workspace_id=workspace.pk)
    return reverse("reminders_unsubscribe", kwargs={"token": token})


def remind(
    cast: Cast, recipient: User, *, title: str, partnership_id: int | None = None, path: str = ""
) -> Reminder:
    with workspace_context(cast.workspace):
        return Reminder.objects.create(
            workspace=cast.workspace,
            recipient=recipient,
            kind=ReminderKind.MILESTONE_DUE,
            subject_type="milestone",
            subject_id=secrets.randbelow(2_000_000_000),
            occurrence="2026-03-09",
            partnership_id=partnership_id,
            title=title,
            detail="Due on 9 March 2026",
            path=path or f"/w/{cast.workspace.slug}/my-work/",
        )


def deliver(cast: Cast) -> int:
    reminders_batch(workspace=cast.workspace, now=NOW)
    return reminders_send_due(workspace=cast.workspace, now=lambda: NOW + timedelta(minutes=1))


def cadence_of(cast: Cast, user: User) -> str | None:
    with workspace_context(cast.workspace):
        return (
            NotificationPreference.objects.for_workspace(cast.workspace)
            .filter(user=user)
            .values_list("cadence", flat=True)
            .first()
        )


def csrf_client() -> Client:
    """A browser without a session, as a mail client is: CSRF checks are enforced."""
    return Client(enforce_csrf_checks=True)


# --- The email ---------------------------------------------------------------------------


def test_the_digest_groups_by_partnership_with_links(cast_a: Cast, settings):
    settings.SITE_URL = "https://hub.example.org"
    river = make_partnership(cast_a, name="River Partnership")
    youth = make_partnership(cast_a, name="Youth Jobs")
    remind(
        cast_a,
        cast_a.partner,
        title="Milestone “Plant trees” is due in 7 days",
        partnership_id=river.pk,
        path=f"/w/{cast_a.workspace.slug}/milestones/11/update/",
    )
    remind(cast_a, cast_a.partner, title="Report Q1 jobs", partnership_id=youth.pk)
    remind(cast_a, cast_a.partner, title="Answer the health check", partnership_id=river.pk)

    assert deliver(cast_a) == 1
    [message] = mail.outbox
    assert message.subject == "3 reminders for Workspace A"
    assert message.to == [cast_a.partner.email]
    text = message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    # Grouped by partnership, in name order, each item with its absolute link.
    assert text.index("River Partnership") < text.index("Youth Jobs")
    assert text.index("Plant trees") < text.index("Youth Jobs") < text.index("Report Q1 jobs")
    assert "Milestone “Plant trees” is due in 7 days" in text  # not HTML-escaped
    item_url = f"https://hub.example.org/w/{cast_a.workspace.slug}/milestones/11/update/"
    assert item_url in text
    assert f'href="{item_url}"' in html
    assert "Due on 9 March 2026" in text
    assert "Due on 9 March 2026" in html
    assert "<h2>River Partnership</h2>" in html
    assert "Milestone &ldquo;Plant trees&rdquo;" in html or "Milestone “Plant trees”" in html
    # The notifications page, the settings page and the unsubscribe link.
    notifications = "https://hub.example.org" + reverse(
        "notification_list", kwargs={"workspace_slug": cast_a.workspace.slug}
    )
    settings_page = "https://hub.example.org" + reverse(
        "notification_settings", kwargs={"workspace_slug": cast_a.workspace.slug}
    )
    # The token carries its signing time, so it is read back rather than rebuilt.
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    prefix = "https://hub.example.org/reminders/unsubscribe/"
    assert unsubscribe.startswith(prefix)
    token = unsubscribe.removeprefix(prefix).rstrip("/")
    assert unsubscribe_payload(token) == (cast_a.partner.pk, cast_a.workspace.pk)
    for part in (text, html):
        assert notifications in part
        assert settings_page in part
        assert unsubscribe in part
    assert "immediately, weekly or not at all" in text
    # Headers: a Message-ID made from the email's id, and one-click unsubscribe.
    with workspace_context(cast_a.workspace):
        email = ReminderEmail.objects.for_workspace(cast_a.workspace).get()
    assert message.extra_headers["Message-ID"] == message_id_for(email)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    rendered = message.message()
    assert rendered["Message-ID"] == message_id_for(email)
    assert rendered["List-Unsubscribe"] == f"<{unsubscribe}>"


def test_one_reminder_reads_in_the_singular(cast_a: Cast):
    remind(cast_a, cast_a.partner, title="Report Q1 jobs")
    deliver(cast_a)
    [message] = mail.outbox
    assert message.subject == "1 reminder for Workspace A"
    # Without a partnership, the workspace's name heads the group.
    assert "== Workspace A ==" in message.body


def test_the_link_in_the_header_unsubscribes_with_one_click(cast_a: Cast, settings):
    settings.SITE_URL = "https://hub.example.org"
    remind(cast_a, cast_a.partner, title="Report Q1 jobs")
    deliver(cast_a)
    [message] = mail.outbox
    header = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = header.removeprefix("https://hub.example.org")
    response = csrf_client().post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert cadence_of(cast_a, cast_a.partner) == Cadence.OFF


# --- The unsubscribe page ------------------------------------------------------------


def test_get_explains_and_changes_nothing(cast_a: Cast):
    url = unsubscribe_url(cast_a.partner, cast_a.workspace)
    response = Client().get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Stop reminder emails from Workspace A" in body
    assert f'<form method="post" action="{url}">' in body
    assert cadence_of(cast_a, cast_a.partner) is None


def test_the_button_stops_emails_without_login_and_records_it(cast_a: Cast):
    url = unsubscribe_url(cast_a.partner, cast_a.workspace)
    response = csrf_client().post(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "You will no longer receive reminder emails from <strong>Workspace A</strong>" in body
    settings_page = reverse("notification_settings", kwargs={"workspace_slug": "ws-a"})
    assert f'href="{settings_page}"' in body
    assert cadence_of(cast_a, cast_a.partner) == Cadence.OFF
    with workspace_context(cast_a.workspace):
        event = ActivityEvent.objects.get(object_type="partnerhub.notificationpreference")
    assert event.actor_user == cast_a.partner
    assert event.changes == {"cadence": ["daily", "off"]}


def test_a_one_click_post_needs_no_csrf_token(cast_a: Cast):
    url = unsubscribe_url(cast_a.coordinator, cast_a.workspace)
    response = csrf_client().post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert cadence_of(cast_a, cast_a.coordinator) == Cadence.OFF


def test_it_is_idempotent(cast_a: Cast):
    url = unsubscribe_url(cast_a.partner, cast_a.workspace)
    csrf_client().post(url)
    response = csrf_client().post(url)
    assert response.status_code == 200
    assert "were already off; nothing changed" in response.content.decode()
    assert cadence_of(cast_a, cast_a.partner) == Cadence.OFF
    with workspace_context(cast_a.workspace):
        events = ActivityEvent.objects.filter(object_type="partnerhub.notificationpreference")
        assert events.count() == 1


def test_it_overrides_a_chosen_cadence_and_only_in_that_workspace(cast_a: Cast, cast_b: Cast):
    MembershipFactory(user=cast_a.partner, workspace=cast_b.workspace)
    for cast in (cast_a, cast_b):
        with workspace_context(cast.workspace):
            NotificationPreference.objects.create(
                workspace=cast.workspace, user=cast_a.partner, cadence=Cadence.WEEKLY
            )
    csrf_client().post(unsubscribe_url(cast_a.partner, cast_a.workspace))
    assert cadence_of(cast_a, cast_a.partner) == Cadence.OFF
    assert cadence_of(cast_b, cast_a.partner) == Cadence.WEEKLY


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_answers_400(cast_a: Cast, method: str):
    token = unsubscribe_token(user_id=cast_a.partner.pk, workspace_id=cast_a.workspace.pk)
    forged = unsubscribe_token(user_id=cast_a.admin.pk, workspace_id=cast_a.workspace.pk)
    signature = token.rpartition(":")[2]
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        f"{forged.rpartition(':')[0]}:{signature}",  # another person, this signature
        "not-a-token",
    ):
        url = reverse("reminders_unsubscribe", kwargs={"token": bad})
        response = getattr(csrf_client(), method)(url)
        assert response.status_code == 400
        assert "Unsubscribe link not valid" in response.content.decode()
    with workspace_context(cast_a.workspace):
        assert not NotificationPreference.objects.exists()


def test_a_token_signed_for_something_else_is_refused(cast_a: Cast):
    from django.core import signing

    other = signing.dumps({"u": cast_a.partner.pk, "w": cast_a.workspace.pk}, salt="other")
    url = reverse("reminders_unsubscribe", kwargs={"token": other})
    assert csrf_client().post(url).status_code == 400


def test_a_token_of_a_deactivated_person_is_refused(cast_a: Cast):
    url = unsubscribe_url(cast_a.partner, cast_a.workspace)
    User.objects.filter(pk=cast_a.partner.pk).update(is_active=False)
    assert csrf_client().post(url).status_code == 400


# --- Afterwards the engine sends that person nothing ----------------------------------


def test_after_unsubscribing_no_email_is_sent(cast_a: Cast):
    csrf_client().post(unsubscribe_url(cast_a.partner, cast_a.workspace))
    mine = remind(cast_a, cast_a.partner, title="Report Q1 jobs")
    theirs = remind(cast_a, cast_a.viewer, title="Look at the dashboard")
    deliver(cast_a)
    with workspace_context(cast_a.workspace):
        mine.refresh_from_db()
        theirs.refresh_from_db()
    assert mine.state == ReminderState.NOT_EMAILED
    assert mine.email_id is None
    assert theirs.state == ReminderState.SENT
    assert [message.to for message in mail.outbox] == [[cast_a.viewer.email]]
    # The reminder still appears in the person's list.
    client = cast_a.client("partner")
    body = client.get(reverse("notification_list", kwargs={"workspace_slug": "ws-a"})).content
    assert b"Report Q1 jobs" in body


def test_unsubscribing_withdraws_a_digest_not_yet_sent(cast_a: Cast):
    waiting = remind(cast_a, cast_a.partner, title="Report Q1 jobs")
    # Batched before the digest hour: the email waits for 08:00.
    reminders_batch(workspace=cast_a.workspace, now=datetime(2026, 3, 2, 5, tzinfo=UTC))
    csrf_client().post(unsubscribe_url(cast_a.partner, cast_a.workspace))
    sent = reminders_send_due(
        workspace=cast_a.workspace, now=lambda: datetime(2026, 3, 2, 9, tzinfo=UTC)
    )
    assert sent == 0
    assert mail.outbox == []
    with workspace_context(cast_a.workspace):
        waiting.refresh_from_db()
    assert waiting.state == ReminderState.NOT_EMAILED
