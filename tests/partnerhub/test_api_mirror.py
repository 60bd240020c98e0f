"""The mirror test: a copy of a workspace built only from the API — a full pull, then
incremental pulls (``updated_since`` on every list, tombstones from /deletions/) —
equals a fresh full pull after a series of random writes across the resources."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from goals.models import Milestone, MilestoneStatus, SharedGoal
from goals.services import goal_delete, goal_update, milestone_delete, milestone_update
from goals.services_updates import comment_post, progress_update_post
from impact.models import Indicator
from impact.services_indicators import indicator_delete
from partnerhub.models import ApiKeyScope
from partnerhub.selectors_deletions import IMPLIED_DELETIONS
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from roles.models import Raci
from roles.services import role_assign
from tests.conftest import Cast
from tests.goals.helpers import access_of, make_goal, make_milestone, make_partnership
from tests.impact.helpers import make_indicator, make_measurement, periods_of

pytestmark = pytest.mark.django_db

# API resource name -> its list path under /api/v1/w/<slug>/.
SYNCED = {
    "organization": "organizations/",
    "partnership": "partnerships/",
    "partnership_member": "partnership-members/",
    "commitment": "commitments/",
    "document": "documents/",
    "goal": "goals/",
    "milestone": "milestones/",
    "progress_update": "progress-updates/",
    "comment": "comments/",
    "role_assignment": "role-assignments/",
    "indicator": "indicators/",
    "measurement": "measurements/",
    "health_round": "health-rounds/",
}
# Small lists whose removals leave no tombstone: pulled in full at every sync.
FULL_EACH_TIME = {"period": "periods/", "member": "members/"}
SAFETY_MARGIN = timedelta(seconds=2)

Mirror = dict[str, dict[int, dict[str, Any]]]


class Puller:
    def __init__(self, cast: Cast) -> None:
        _, raw = api_key_create(
            workspace=cast.workspace, actor=cast.admin, name="mirror", scope=ApiKeyScope.WRITE
        )
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.base = f"/api/v1/w/{cast.workspace.slug}/"

    def pull(self, path: str, **params: str) -> list[dict[str, Any]]:
        query = "&".join(f"{key}={quote(value)}" for key, value in params.items())
        url: str | None = f"{self.base}{path}?page_size=500" + (f"&{query}" if query else "")
        rows: list[dict[str, Any]] = []
        while url:
            response = self.client.get(url)
            assert response.status_code == 200, (url, response.content)
            body = response.json()
            rows += body["results"]
            url = body["next"]
        return rows

    def full(self) -> Mirror:
        return {
            name: {row["id"]: row for row in self.pull(path)}
            for name, path in (SYNCED | FULL_EACH_TIME).items()
        }

    def incremental(self, mirror: Mirror, since: datetime) -> None:
        stamp = (since - SAFETY_MARGIN).isoformat()
        changed: set[int] = set()
        for name, path in SYNCED.items():
            for row in self.pull(path, updated_since=stamp):
                mirror[name][row["id"]] = row
                if name == "measurement":
                    changed.add(row["id"])
        # An indicator's progress derives from its figures without moving its updated_at:
        # the documented rule is to re-read the indicator of every figure that changed.
        for pk in {
            row["indicator"] for row in mirror["measurement"].values() if row["id"] in changed
        }:
            response = self.client.get(f"{self.base}indicators/{pk}/")
            if response.status_code == 200:
                mirror["indicator"][pk] = response.json()
        for tombstone in self.pull("deletions/", since=stamp):
            forget(mirror, tombstone["type"], tombstone["id"])
        for name, path in FULL_EACH_TIME.items():
            mirror[name] = {row["id"]: row for row in self.pull(path)}


def forget(mirror: Mirror, kind: str, pk: int) -> None:
    """Remove an object and, by the documented rule, the children deleted with it."""
    mirror.get(kind, {}).pop(pk, None)
    for child, field, effect in IMPLIED_DELETIONS.get(kind, []):
        for row in list(mirror.get(child, {}).values()):
            if row.get(field) != pk:
                continue
            if effect == "null":
                row[field] = None
            else:
                forget(mirror, child, row["id"])


class Writer:
    """Random writes through the services, as the web pages and the API make them."""

    def __init__(self, cast: Cast, seed: int) -> None:
        self.cast = cast
        self.ws = cast.workspace
        self.rng = random.Random(seed)
        self.access = access_of(cast, "coordinator")
        self.partnerships = [make_partnership(cast) for _ in range(2)]
        for partnership in self.partnerships:
            goal = make_goal(cast, partnership)
            make_milestone(cast, goal)
            indicator = make_indicator(cast, partnership=partnership, goal=goal)
            make_measurement(cast, indicator=indicator, period=periods_of(indicator)[0], value=3)

    def _pick(self, model: Any) -> Any:
        rows = list(model.objects.for_workspace(self.ws).order_by("id"))
        return self.rng.choice(rows) if rows else None

    def step(self) -> None:
        action = self.rng.choice(
            [
                self.goal_create,
                self.goal_update,
                self.goal_delete,
                self.milestone_create,
                self.milestone_update,
                self.milestone_delete,
                self.progress_update,
                self.comment,
                self.role,
                self.indicator_create,
                self.indicator_delete,
                self.measurement,
            ]
        )
        action()

    def goal_create(self) -> None:
        make_goal(self.cast, self.rng.choice(self.partnerships))

    def goal_update(self) -> None:
        if goal := self._pick(SharedGoal):
            goal_update(
                workspace=self.ws,
                actor=self.cast.coordinator,
                goal=goal,
                title=f"Goal {self.rng.random():.6f}",
            )

    def goal_delete(self) -> None:
        if goal := self._pick(SharedGoal):
            goal_delete(workspace=self.ws, actor=self.cast.coordinator, goal=goal)

    def milestone_create(self) -> None:
        if goal := self._pick(SharedGoal):
            make_milestone(self.cast, goal, days=self.rng.randint(5, 90))

    def milestone_update(self) -> None:
        if milestone := self._pick(Milestone):
            milestone_update(
                workspace=self.ws,
                actor=self.cast.coordinator,
                milestone=milestone,
                title=f"Milestone {self.rng.random():.6f}",
            )

    def milestone_delete(self) -> None:
        if milestone := self._pick(Milestone):
            milestone_delete(workspace=self.ws, actor=self.cast.coordinator, milestone=milestone)

    def progress_update(self) -> None:
        if milestone := self._pick(Milestone):
            progress_update_post(
                workspace=self.ws,
                actor=self.cast.coordinator,
                access=self.access,
                milestone=milestone,
                expected_version=milestone.version,
                status=MilestoneStatus.IN_PROGRESS,
                percent_complete=self.rng.randint(1, 99),
                narrative="Moving",
            )

    def comment(self) -> None:
        if milestone := self._pick(Milestone):
            comment_post(
                workspace=self.ws,
                actor=self.cast.coordinator,
                access=self.access,
                milestone=milestone,
                body=f"Note {self.rng.random():.6f}",
            )

    def role(self) -> None:
        if goal := self._pick(SharedGoal):
            role_assign(
                workspace=self.ws,
                actor=self.cast.coordinator,
                goal=goal,
                organization=self.cast.organization,
                raci=self.rng.choice([Raci.RESPONSIBLE, Raci.CONSULTED, Raci.INFORMED]),
            )

    def indicator_create(self) -> None:
        partnership = self.rng.choice(self.partnerships)
        goal = SharedGoal.objects.for_workspace(self.ws).filter(partnership=partnership).first()
        make_indicator(self.cast, partnership=partnership, goal=goal)

    def indicator_delete(self) -> None:
        if indicator := self._pick(Indicator):
            indicator_delete(workspace=self.ws, actor=self.cast.coordinator, indicator=indicator)

    def measurement(self) -> None:
        indicator = self._pick(Indicator)
        if indicator is None:
            return
        taken = set(indicator.measurements.values_list("period_id", flat=True))
        free = [p for p in periods_of(indicator) if p.pk not in taken]
        if free:
            make_measurement(
                self.cast,
                indicator=indicator,
                period=self.rng.choice(free),
                value=self.rng.randint(1, 50),
            )


def test_a_mirror_built_from_the_api_equals_the_workspace(cast_a: Cast):
    puller = Puller(cast_a)
    with workspace_context(cast_a.workspace):
        writer = Writer(cast_a, seed=20261127)
        for _ in range(25):
            writer.step()
    synced_at = timezone.now()
    mirror = puller.full()
    assert mirror["goal"] and mirror["milestone"] and mirror["indicator"]
    for _ in range(3):
        with workspace_context(cast_a.workspace):
            for _ in range(20):
                writer.step()
        now = timezone.now()
        puller.incremental(mirror, synced_at)
        synced_at = now
        fresh = puller.full()
        assert mirror == fresh, differences(mirror, fresh)


def differences(mirror: Mirror, fresh: Mirror) -> list[tuple[str, int, str, Any, Any]]:
    found = []
    for name in fresh:
        for pk in mirror[name].keys() | fresh[name].keys():
            ours, theirs = mirror[name].get(pk, {}), fresh[name].get(pk, {})
            for field in ours.keys() | theirs.keys():
                if ours.get(field) != theirs.get(field):
                    found.append((name, pk, field, ours.get(field), theirs.get(field)))
    return found
