"""Writes of the partnership health check: opening, changing and closing rounds, and
answering one.

Keyword-only arguments; the workspace and the acting user are explicit; each function runs
in its own transaction (a savepoint inside a request's), records one activity event with
the partnership's id, and raises Django's ValidationError, keyed by field, for input it
refuses.

The rules (where the issue was silent, decided here):

- A round's dates are whole days in the workspace's time zone. It is *upcoming* before its
  opening date, *open* from its opening date to its closing date (both included), and
  *closed* after that.
- A round opens today or later, and closes on or after the day it opens. The rounds of one
  partnership never overlap (not even an upcoming one with an open one), so at most one is
  open at any time; the partnership row is locked while this is checked.
- A round's opening date may change while it is upcoming, its closing date while it is not
  closed (never to a day in the past). A closed round stays closed: its results may have
  been read, and answers added afterwards could be worked out by comparing the two.
- "Close now" ends an open round: its closing date becomes yesterday. A round that opened
  today cannot close before the end of today (set its closing date to today).
- One response per person and round, on behalf of the organization their membership names,
  which must be a current member of the partnership; the person may change it while the
  round is open. The response keeps that organization and its sector as they are when the
  person (last) answers. The activity trail records that the person answered, never what.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from impact.models import (
    HealthCheckAnswer,
    HealthCheckResponse,
    HealthCheckRound,
    HealthFactor,
)
from impact.selectors_health import (
    RoundState,
    health_answering_organization,
    health_rounds_overlapping,
    round_state,
)
from partnerhub.access import WorkspaceAccess
from partnerhub.models import EventAction, User, Workspace
from partnerhub.services.activity import diff, record_event, snapshot
from partners.models import Partnership
from partners.services.partnerships import (
    UNSET,
    _Unset,
    check_in_workspace,
    lock_partnership,
    workspace_today,
)

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 120
COMMENT_MAX_LENGTH = 2000
ROUND_FIELDS = ("partnership", "title", "opens_on", "closes_on")
OTHER_WORKSPACE = "Choose a round of this workspace."


def _day(value: date) -> str:
    return date_format(value, "j M Y")


def _lock_round(*, workspace: Workspace, health_round: HealthCheckRound) -> HealthCheckRound:
    check_in_workspace(workspace, health_round, "round", OTHER_WORKSPACE)
    return (
        HealthCheckRound.objects.for_workspace(workspace)
        .select_for_update()
        .select_related("partnership")
        .get(pk=health_round.pk)
    )


def _clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the round a title."})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError({"title": f"Use at most {TITLE_MAX_LENGTH} characters."})
    return title


def _check_dates(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on is None:
        raise ValidationError({"opens_on": "Give the opening date."})
    if closes_on is None:
        raise ValidationError({"closes_on": "Give the closing date."})
    if closes_on < opens_on:
        raise ValidationError({"closes_on": "The closing date can't be before the opening date."})


def _check_no_overlap(
    *,
    workspace: Workspace,
    partnership: Partnership,
    opens_on: date,
    closes_on: date,
    exclude_pk: int | None = None,
) -> None:
    other = health_rounds_overlapping(
        workspace=workspace,
        partnership=partnership,
        opens_on=opens_on,
        closes_on=closes_on,
        exclude_pk=exclude_pk,
    ).first()
    if other is not None:
        raise ValidationError(
            {
                "closes_on": f"The round “{other.title}” runs from {_day(other.opens_on)} to "
                f"{_day(other.closes_on)}: rounds of one partnership may not overlap."
            }
        )


def health_round_create(
    *,
    workspace: Workspace,
    actor: Any,
    partnership: Partnership,
    title: str,
    closes_on: date | None,
    opens_on: date | None = None,
) -> HealthCheckRound:
    """Open a round for a partnership (``opens_on`` defaults to today)."""
    check_in_workspace(
        workspace, partnership, "partnership", "Choose a partnership of this workspace."
    )
    today = workspace_today(workspace)
    title = _clean_title(title)
    opens_on = opens_on or today
    if opens_on < today:
        raise ValidationError({"opens_on": "A round opens today or later."})
    _check_dates(opens_on, closes_on)
    assert closes_on is not None
    with transaction.atomic():
        partnership = lock_partnership(workspace=workspace, partnership=partnership)
        _check_no_overlap(
            workspace=workspace, partnership=partnership, opens_on=opens_on, closes_on=closes_on
        )
        health_round = HealthCheckRound.objects.create(
            workspace=workspace,
            partnership=partnership,
            title=title,
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=actor if isinstance(actor, User) else None,
        )
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=health_round,
            changes=snapshot(health_round, ROUND_FIELDS),
            partnership_id=partnership.pk,
        )
    logger.info("health round %s created", health_round.pk, extra={"workspace": workspace.slug})
    return health_round


def health_round_update(
    *,
    workspace: Workspace,
    actor: Any,
    health_round: HealthCheckRound,
    title: str | _Unset = UNSET,
    opens_on: date | _Unset | None = UNSET,
    closes_on: date | _Unset | None = UNSET,
) -> HealthCheckRound:
    """Change a round's title, and its dates while the rules above allow it."""
    with transaction.atomic():
        lock_partnership(workspace=workspace, partnership=health_round.partnership)
        current = _lock_round(workspace=workspace, health_round=health_round)
        today = workspace_today(workspace)
        state = round_state(current, today)
        new_title = current.title if isinstance(title, _Unset) else _clean_title(title)
        new_opens = current.opens_on if isinstance(opens_on, _Unset) else opens_on
        new_closes = current.closes_on if isinstance(closes_on, _Unset) else closes_on
        if new_opens != current.opens_on:
            if state != RoundState.UPCOMING:
                raise ValidationError(
                    {"opens_on": "The round has opened: its opening date can no longer change."}
                )
            if new_opens is not None and new_opens < today:
                raise ValidationError({"opens_on": "A round opens today or later."})
        if new_closes != current.closes_on:
            if state == RoundState.CLOSED:
                raise ValidationError(
                    {"closes_on": "The round has closed: its dates can no longer change."}
                )
            if new_closes is not None and new_closes < today:
                raise ValidationError(
                    {"closes_on": "The closing date can't be in the past: use “Close now”."}
                )
        _check_dates(new_opens, new_closes)
        assert new_opens is not None and new_closes is not None
        _check_no_overlap(
            workspace=workspace,
            partnership=current.partnership,
            opens_on=new_opens,
            closes_on=new_closes,
            exclude_pk=current.pk,
        )
        before = snapshot(current, ROUND_FIELDS)
        current.title, current.opens_on, current.closes_on = new_title, new_opens, new_closes
        current.save(update_fields=["title", "opens_on", "closes_on", "updated_at"])
        changes = diff(before, snapshot(current, ROUND_FIELDS))
        if changes:
            record_event(
                workspace=workspace,
                actor=actor,
                action=EventAction.UPDATE,
                target=current,
                changes=changes,
                partnership_id=current.partnership_id,
            )
    health_round.title, health_round.opens_on, health_round.closes_on = (
        current.title,
        current.opens_on,
        current.closes_on,
    )
    return current


def health_round_close(
    *, workspace: Workspace, actor: Any, health_round: HealthCheckRound
) -> HealthCheckRound:
    """End an open round now: its closing date becomes yesterday."""
    with transaction.atomic():
        current = _lock_round(workspace=workspace, health_round=health_round)
        today = workspace_today(workspace)
        state = round_state(current, today)
        if state == RoundState.CLOSED:
            raise ValidationError("This round has already closed.")
        if state == RoundState.UPCOMING:
            raise ValidationError("This round has not opened yet: change its dates instead.")
        if current.opens_on == today:
            raise ValidationError(
                "This round opened today, so it can close at the end of today at the earliest: "
                "set its closing date to today."
            )
        before = snapshot(current, ROUND_FIELDS)
        current.closes_on = today - timedelta(days=1)
        current.save(update_fields=["closes_on", "updated_at"])
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=current,
            changes=diff(before, snapshot(current, ROUND_FIELDS)),
            partnership_id=current.partnership_id,
        )
    health_round.closes_on = current.closes_on
    return current


# --- Answers --------------------------------------------------------------------------------


def _clean_answers(answers: Mapping[str, tuple[Any, Any]]) -> dict[str, tuple[int, str]]:
    """{factor: (score 1-5, comment)} for every factor, or ValidationError naming the
    fields ``score_<factor>`` / ``comment_<factor>`` of the answer form."""
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[int, str]] = {}
    for factor in HealthFactor.values:
        score, comment = answers.get(factor, (None, ""))
        try:
            number = int(score)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 5 or isinstance(score, bool):
            errors[f"score_{factor}"] = "Choose an answer from 1 to 5."
        text = str(comment or "").strip()
        if len(text) > COMMENT_MAX_LENGTH:
            errors[f"comment_{factor}"] = f"Use at most {COMMENT_MAX_LENGTH} characters."
        cleaned[factor] = (number, text)
    unknown = set(answers) - set(HealthFactor.values)
    if unknown:
        errors["__all__"] = "Unknown factors: " + ", ".join(sorted(unknown))
    if errors:
        raise ValidationError(errors)
    return cleaned


def health_response_submit(
    *,
    workspace: Workspace,
    actor: User,
    access: WorkspaceAccess,
    health_round: HealthCheckRound,
    answers: Mapping[str, tuple[Any, Any]],
) -> tuple[HealthCheckResponse, bool]:
    """Record or replace ``actor``'s answers in an open round: ``answers`` maps every factor
    to (score, comment). Returns the response and whether it is new. PermissionDenied when
    the person may not answer for the partnership."""
    cleaned = _clean_answers(answers)
    with transaction.atomic():
        # The round's row lock orders answers and "close now": an answer given while the
        # round is being closed either lands before the close or is refused after it.
        current = _lock_round(workspace=workspace, health_round=health_round)
        today = workspace_today(workspace)
        state = round_state(current, today)
        if state == RoundState.UPCOMING:
            raise ValidationError(f"This round opens on {_day(current.opens_on)}.")
        if state == RoundState.CLOSED:
            raise ValidationError(
                f"This round closed on {_day(current.closes_on)}: answers can no longer be "
                "given or changed."
            )
        organization = health_answering_organization(
            workspace=workspace, access=access, partnership=current.partnership_id
        )
        if (
            organization is None
            or access.membership is None
            or access.membership.user_id != actor.pk
        ):
            raise PermissionDenied(
                "You can answer for an organization that is a member of this partnership."
            )
        response = (
            HealthCheckResponse.objects.for_workspace(workspace)
            .select_for_update()
            .filter(round=current, respondent=actor)
            .first()
        )
        created = response is None
        if response is None:
            response = HealthCheckResponse.objects.create(
                workspace=workspace,
                round=current,
                respondent=actor,
                organization=organization,
                sector=organization.sector,
            )
        else:
            response.organization, response.sector = organization, organization.sector
            response.save(update_fields=["organization", "sector", "updated_at"])
            HealthCheckAnswer.objects.for_workspace(workspace).filter(response=response).delete()
        HealthCheckAnswer.objects.bulk_create(
            HealthCheckAnswer(
                workspace=workspace,
                response=response,
                round=current,
                factor=factor,
                score=score,
                comment=comment,
            )
            for factor, (score, comment) in cleaned.items()
        )
        # The round's counts changed: incremental API readers see it through updated_since.
        HealthCheckRound.objects.for_workspace(workspace).filter(pk=current.pk).update(
            updated_at=timezone.now()
        )
        # Who answered and when, never what: the scores and comments stay out of the trail.
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE if created else EventAction.UPDATE,
            target=response,
            changes={"round": current.pk},
            partnership_id=current.partnership_id,
            object_repr=f"Answers to the health check “{current.title}”",
        )
    return response, created
