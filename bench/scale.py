"""The benchmark data set's shape: what ``bench_seed`` generates at each scale.

Everything the suite generates is fixed by these numbers and ``SEED``: the same scale
gives the same rows on every machine. Dates are anchored at ``ANCHOR_DATE`` (not at the
day the suite runs), so the generated data never depends on the clock.

Workspace ``bench-00`` is the large one (``LARGE_SHARE`` of the indicators and so of the
figures): the suite's pages and API calls run there, and its full export is measured.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

SEED = 20261127
ANCHOR_DATE = datetime.date(2026, 11, 27)
# Monthly reporting periods 2025-01 .. 2026-12: figures exist for the periods that ended
# before ANCHOR_DATE (22); the current one (2026-11) is open for new figures.
FIRST_PERIOD = datetime.date(2025, 1, 1)
PERIODS_PER_INDICATOR = 24
LARGE_SHARE = 0.10
SLUG_PREFIX = "bench-"
EMAIL_DOMAIN = "bench.example"


@dataclass(frozen=True)
class Scale:
    name: str
    workspaces: int
    organizations: int
    partnerships: int
    goals: int
    milestones: int
    role_assignments: int
    indicators: int
    measurements: int  # about: reporters per indicator x closed periods x indicators

    @property
    def organizations_per_workspace(self) -> int:
        return self.organizations // self.workspaces


SCALES: dict[str, Scale] = {
    "full": Scale(
        name="full",
        workspaces=50,
        organizations=5_000,
        partnerships=10_000,
        goals=20_000,
        milestones=50_000,
        role_assignments=100_000,
        indicators=2_000,
        measurements=2_000_000,
    ),
    # The same shape at about 1/100 (workspaces 1/10 so that each keeps enough
    # organizations to report every indicator).
    "small": Scale(
        name="small",
        workspaces=5,
        organizations=250,
        partnerships=100,
        goals=200,
        milestones=500,
        role_assignments=1_000,
        indicators=20,
        measurements=20_000,
    ),
}


def workspace_slug(index: int) -> str:
    return f"{SLUG_PREFIX}{index:02d}"


LARGE_WORKSPACE_SLUG = workspace_slug(0)


def coordinator_email(workspace_index: int) -> str:
    """The coordinator the suite signs in as for the pages (one per workspace)."""
    return f"coordinator-{workspace_index:02d}@{EMAIL_DOMAIN}"


def partner_email(workspace_index: int, organization_index: int) -> str:
    """One partner user per organization (index within its workspace)."""
    return f"partner-{workspace_index:02d}-{organization_index:04d}@{EMAIL_DOMAIN}"
