"""Reads of the partnership health check: rounds and their state, who may answer, one's
own answers, and the response rate. The results in aggregate are in
``impact.selectors_health_results``.

A round's dates are whole days in the workspace's time zone: it is *upcoming* before its
opening date, *open* from its opening to its closing date (both included), *closed* after.
Rounds are visible to whoever sees their partnership (``impact.selectors``); objects a
caller may not see raise DoesNotExist like missing ones (404). The only answers read one
by one are the caller's own (``health_own_answers``, to prefill the form they change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, CharField, Count, Exists, OuterRef, QuerySet, Value, When

from impact.models import HealthCheckAnswer, HealthCheckResponse, HealthCheckRound
from impact.selectors import health_rounds_visible_to
from partnerhub.access import WorkspaceAccess
from partnerhub.models import Membership, Role, User, Workspace
from partnerhub.permissions import Action, can
from partners.models import Organization, Partnership, PartnershipMember
from partners.selectors_partnerships import PartnershipAccess

# The answer scale, as the survey labels it.
HEALTH_SCALE: list[tuple[int, str]] = [
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
]


class RoundState:
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"

    choices = [(UPCOMING, "Upcoming"), (OPEN, "Open"), (CLOSED, "Closed")]
    labels = dict(choices)


def round_state(health_round: HealthCheckRound, today: date) -> str:
    if today < health_round.opens_on:
        return RoundState.UPCOMING
    if today > health_round.closes_on:
        return RoundState.CLOSED
    return RoundState.OPEN


def _state_expression(today: date) -> Case:
    return Case(
        When(opens_on__gt=today, then=Value(RoundState.UPCOMING)),
        When(closes_on__lt=today, then=Value(RoundState.CLOSED)),
        default=Value(RoundState.OPEN),
        output_field=CharField(),
    )


# --- Rounds ---------------------------------------------------------------------------------


def health_round_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    today: date,
    partnership: Partnership | int | None = None,
    respondent: User | None = None,
    state: str | None = None,
) -> QuerySet[HealthCheckRound]:
    """Visible rounds, newest first, each with ``state`` (upcoming, open, closed on
    ``today``), ``respondent_count`` and ``organization_count`` (distinct organizations
    that answered) and, when ``respondent`` is given, ``answered`` (whether that person
    has answered). One query, whatever the number of rounds."""
    rounds = health_rounds_visible_to(workspace=workspace, access=access)
    if partnership is not None:
        rounds = rounds.filter(partnership=partnership)
    rounds = rounds.annotate(
        state=_state_expression(today),
        respondent_count=Count("responses", distinct=True),
        organization_count=Count("responses__organization", distinct=True),
    )
    if state:
        rounds = rounds.filter(state=state)
    if respondent is not None:
        rounds = rounds.annotate(
            answered=Exists(
                HealthCheckResponse.objects.for_workspace(workspace).filter(
                    round=OuterRef("pk"), respondent=respondent
                )
            )
        )
    return rounds.select_related("partnership").order_by("-opens_on", "-id")


def health_round_get(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    pk: int,
    today: date,
    respondent: User | None = None,
) -> HealthCheckRound:
    """One visible round with the annotations of ``health_round_list``, or DoesNotExist."""
    return health_round_list(
        workspace=workspace, access=access, today=today, respondent=respondent
    ).get(pk=pk)


def health_rounds_overlapping(
    *,
    workspace: Workspace,
    partnership: Partnership,
    opens_on: date,
    closes_on: date,
    exclude_pk: int | None = None,
) -> QuerySet[HealthCheckRound]:
    """The partnership's rounds whose dates share at least one day with the given span."""
    rounds = HealthCheckRound.objects.for_workspace(workspace).filter(
        partnership=partnership, opens_on__lte=closes_on, closes_on__gte=opens_on
    )
    if exclude_pk is not None:
        rounds = rounds.exclude(pk=exclude_pk)
    return rounds.order_by("opens_on", "id")


# --- Who answers ------------------------------------------------------------------------------


def answering_roles() -> list[str]:
    """The roles that may answer (people who report for their organization; not viewers)."""
    return [role for role in Role.values if can(role, Action.REPORT_PROGRESS)]


def health_answering_organization(
    *, workspace: Workspace, access: WorkspaceAccess, partnership: Partnership | int
) -> Organization | None:
    """The organization ``access`` answers for in this partnership's rounds: a person (not
    an API key) whose role reports progress and whose membership names an organization that
    is a current member of the partnership. None for everyone else. One query at most."""
    if (
        access.membership is None
        or access.organization_id is None
        or not access.can(Action.REPORT_PROGRESS)
    ):
        return None
    member = (
        PartnershipMember.objects.for_workspace(workspace)
        .filter(
            partnership=partnership,
            organization_id=access.organization_id,
            left_on__isnull=True,
        )
        .select_related("organization")
        .first()
    )
    return member.organization if member else None


def health_own_answers(
    *, workspace: Workspace, health_round: HealthCheckRound, respondent: User
) -> dict[str, tuple[int, str]]:
    """The caller's own answers in a round, {factor: (score, comment)}, to prefill the
    form they are changing. Never call it with anyone else as ``respondent``."""
    rows = (
        HealthCheckAnswer.objects.for_workspace(workspace)
        .filter(round=health_round, response__respondent=respondent)
        .values_list("factor", "score", "comment")
    )
    return {factor: (score, comment) for factor, score, comment in rows}


# --- Response rate --------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRate:
    """Counts only: who answered is never listed."""

    respondents: int
    organizations: int
    member_organizations: int
    eligible_people: int

    @property
    def organization_percent(self) -> int:
        if not self.member_organizations:
            return 0
        return round(
            min(self.organizations, self.member_organizations) * 100 / self.member_organizations
        )


def health_response_rate(*, workspace: Workspace, health_round: HealthCheckRound) -> ResponseRate:
    """How many people and organizations answered, against the partnership's current
    member organizations and the people who may answer for them. Three queries."""
    answered = (
        HealthCheckResponse.objects.for_workspace(workspace)
        .filter(round=health_round)
        .aggregate(people=Count("id"), organizations=Count("organization", distinct=True))
    )
    current = PartnershipMember.objects.for_workspace(workspace).filter(
        partnership_id=health_round.partnership_id, left_on__isnull=True
    )
    member_organizations = current.values("organization_id").distinct().count()
    eligible = Membership.objects.filter(
        workspace=workspace,
        role__in=answering_roles(),
        organization_id__in=current.values("organization_id"),
    ).count()
    return ResponseRate(
        respondents=answered["people"],
        organizations=answered["organizations"],
        member_organizations=member_organizations,
        eligible_people=eligible,
    )
