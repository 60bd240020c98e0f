"""``manage.py bench_prepare --scale S``: what the benchmark's load generator needs, as JSON.

Run by the runner (bench/runner.py) against the bench database after ``bench_seed``, with
the same settings (the same SECRET_KEY) as the server it measures, so the sessions it
creates are valid there. Prints one JSON document:

- ``keys``: a fresh read key and a fresh write key of the large workspace (bench-00);
  earlier keys of the suite are revoked;
- ``sessions``: a session cookie for the coordinator of bench-00 (the dashboard and the
  portfolio) and for the partner whose organization is Responsible or Accountable for the
  most open milestones (My work), made as a login makes them, each with the CSRF cookie a
  signed-in browser holds;
- ``dashboard_partnership``: the bench-00 partnership with the most indicators;
- ``post_targets``: (indicator, period, organization) of every reporting organization of
  bench-00 for the open period (the one holding ANCHOR_DATE), for the POST target, taking
  the indicators in turn;
- ``milestones_due_before``: ANCHOR_DATE + 30 days (the milestones-due filter);
- ``counts``: bench-00's figures (the full export reads at least this many).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from importlib import import_module
from itertools import zip_longest
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils import timezone
from django.utils.crypto import get_random_string

from bench.scale import ANCHOR_DATE, LARGE_WORKSPACE_SLUG, SCALES, coordinator_email
from goals.models import MilestoneStatus
from impact.models import Indicator, IndicatorReporter, Measurement, ReportingPeriod
from partnerhub.models import ApiKey, ApiKeyScope, Membership, Role, User, Workspace
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from roles.models import RoleAssignment
from roles.selectors import RESPONSIBLE_OR_ACCOUNTABLE

KEY_NAME_PREFIX = "bench suite"
MAX_POST_TARGETS = 2_000


def session_cookie(user: User) -> str:
    """A ``Cookie`` header value for a session of ``user``, stored like a login's, with
    the CSRF cookie a browser holds from then on (the login form set it): pages are
    measured as a signed-in browser asks for them, not as a first visit that is given a
    new CSRF secret each time."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    # The first backend, as a password sign-in through it records.
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf_secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf_secret}"
    )


def fresh_keys(workspace: Workspace) -> dict[str, str]:
    ApiKey.objects.filter(
        workspace=workspace, name__startswith=KEY_NAME_PREFIX, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    keys = {}
    for scope in (ApiKeyScope.READ, ApiKeyScope.WRITE):
        _, raw = api_key_create(
            workspace=workspace, actor=None, name=f"{KEY_NAME_PREFIX} {scope}", scope=scope
        )
        keys[str(scope)] = raw
    return keys


def busiest_partner(workspace: Workspace) -> tuple[User, int, int]:
    """The partner member whose organization is R or A for the most open milestones:
    (user, organization id, those assignments)."""
    ranked = (
        RoleAssignment.objects.for_workspace(workspace)
        .filter(milestone__isnull=False, raci__in=RESPONSIBLE_OR_ACCOUNTABLE)
        .exclude(milestone__status=MilestoneStatus.DONE)
        .values("organization_id")
        .annotate(assignments=Count("id"))
        .order_by("-assignments", "organization_id")
    )
    partners = {
        m.organization_id: m
        for m in Membership.objects.filter(workspace=workspace, role=Role.PARTNER)
        .select_related("user")
        .order_by("user__email")
    }
    for row in ranked:
        membership = partners.get(row["organization_id"])
        if membership is not None:
            return membership.user, row["organization_id"], row["assignments"]
    raise CommandError(
        f"No partner member of {workspace.slug} is Responsible or Accountable for a milestone."
    )


def post_targets(workspace: Workspace) -> tuple[str, list[dict[str, int]]]:
    """The open period's start and every (indicator, period, organization) it takes."""
    periods = {
        p.indicator_id: p
        for p in ReportingPeriod.objects.for_workspace(workspace).filter(
            start_date__lte=ANCHOR_DATE, end_date__gte=ANCHOR_DATE, locked=False
        )
    }
    if not periods:
        raise CommandError(f"{workspace.slug} has no open period holding {ANCHOR_DATE}.")
    by_indicator: dict[int, list[int]] = defaultdict(list)
    for indicator_id, org_id in (
        IndicatorReporter.objects.for_workspace(workspace)
        .filter(indicator_id__in=periods)
        .order_by("indicator_id", "organization_id")
        .values_list("indicator_id", "organization_id")
    ):
        by_indicator[indicator_id].append(org_id)
    # Round robin over the indicators: requests in flight at once write figures of
    # different indicators (and periods), as many organizations reporting at once do.
    rounds = zip_longest(*by_indicator.values())
    targets = [
        {"indicator": indicator_id, "period": periods[indicator_id].pk, "organization": org_id}
        for row in rounds
        for indicator_id, org_id in zip(by_indicator, row, strict=True)
        if org_id is not None
    ][:MAX_POST_TARGETS]
    start = min(p.start_date for p in periods.values())
    return start.isoformat(), targets


class Command(BaseCommand):
    help = "Print the keys, sessions and ids the benchmark's load generator needs (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="full")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            workspace = Workspace.objects.get(slug=LARGE_WORKSPACE_SLUG)
            coordinator = User.objects.get(email=coordinator_email(0))
        except (Workspace.DoesNotExist, User.DoesNotExist) as exc:
            raise CommandError(
                f"No bench data here ({exc}); run manage.py bench_seed --scale "
                f"{options['scale']} first."
            ) from exc
        keys = fresh_keys(workspace)
        with workspace_context(workspace):
            busiest = (
                Indicator.objects.for_workspace(workspace)
                .values("partnership_id")
                .annotate(indicators=Count("id"))
                .order_by("-indicators", "partnership_id")
                .first()
            )
            if busiest is None:
                raise CommandError(f"{workspace.slug} has no indicator.")
            partner, organization_id, assignments = busiest_partner(workspace)
            open_period, targets = post_targets(workspace)
            measurements = Measurement.objects.for_workspace(workspace).count()
        document = {
            "scale": options["scale"],
            "workspace": workspace.slug,
            "keys": keys,
            "sessions": {
                "coordinator": {"email": coordinator.email, "cookie": session_cookie(coordinator)},
                "partner": {
                    "email": partner.email,
                    "organization": organization_id,
                    "assignments": assignments,
                    "cookie": session_cookie(partner),
                },
            },
            "dashboard_partnership": busiest["partnership_id"],
            "dashboard_indicators": busiest["indicators"],
            "open_period": open_period,
            "post_targets": targets,
            "milestones_due_before": (ANCHOR_DATE + timedelta(days=30)).isoformat(),
            "counts": {"measurements": measurements},
        }
        self.stdout.write(json.dumps(document))
