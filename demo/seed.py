"""Build the demo data, idempotently.

Every row is found by its natural key (a workspace's slug, an organization's name within
its workspace, a person's email) and created only when missing, so running the seeder
again creates nothing and leaves edits made in the app alone.

Each workspace is seeded in one transaction that sets it as the tenant
(``workspace_context``), as Row-Level Security on PostgreSQL requires. The per-workspace
work is a list of steps; a later part of the product adds its demo data by appending a
step (``seed_partnerships``, ``seed_goals``, ...) to ``WORKSPACE_STEPS``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress

from demo.data import WORKSPACES, WorkspaceSpec
from partnerhub.models import Membership, User, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import Organization


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    workspace: str
    organization: str | None


@dataclass
class SeedRun:
    """What one run did: rows created per kind, and the logins to print."""

    password: str
    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    logins: list[DemoLogin] = field(default_factory=list)

    def record(self, kind: str, *, created: bool) -> None:
        (self.created if created else self.existing)[kind] += 1


@dataclass
class WorkspaceSeed:
    """One workspace being seeded; steps read what earlier steps built."""

    spec: WorkspaceSpec
    workspace: Workspace
    organizations: dict[str, Organization] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)


Step = Callable[[WorkspaceSeed, SeedRun], None]


def seed_workspace(spec: WorkspaceSpec, run: SeedRun) -> Workspace:
    workspace, created = Workspace.objects.get_or_create(
        slug=spec.slug, defaults={"name": spec.name, "timezone": spec.timezone}
    )
    run.record("workspace", created=created)
    return workspace


def seed_organizations(seed: WorkspaceSeed, run: SeedRun) -> None:
    for org in seed.spec.organizations:
        organization, created = Organization.objects.get_or_create(
            workspace=seed.workspace,
            name=org.name,
            defaults={"sector": org.sector, "mission": org.mission, "website": org.website},
        )
        run.record("organization", created=created)
        seed.organizations[org.name] = organization


def seed_people(seed: WorkspaceSeed, run: SeedRun) -> None:
    """A user for every role, each with a verified email so that they can log in."""
    for person in seed.spec.people:
        user = User.objects.filter(email=person.email).first()
        run.record("user", created=user is None)
        if user is None:
            # The shared password is set only when the account is created.
            user = User.objects.create_user(person.email, run.password, full_name=person.full_name)
        _, created = EmailAddress.objects.get_or_create(
            user=user, email=person.email, defaults={"verified": True, "primary": True}
        )
        run.record("email address", created=created)
        organization = seed.organizations[person.organization] if person.organization else None
        _, created = Membership.objects.get_or_create(
            workspace=seed.workspace,
            user=user,
            defaults={"role": person.role, "organization": organization},
        )
        run.record("membership", created=created)
        seed.people[person.email] = user
        run.logins.append(
            DemoLogin(
                email=person.email,
                role=str(person.role),
                workspace=seed.workspace.name,
                organization=person.organization,
            )
        )


WORKSPACE_STEPS: list[Step] = [seed_organizations, seed_people]


def seed_demo(*, password: str) -> SeedRun:
    run = SeedRun(password=password)
    for spec in WORKSPACES:
        workspace = seed_workspace(spec, run)
        with workspace_context(workspace):
            seed = WorkspaceSeed(spec=spec, workspace=workspace)
            for step in WORKSPACE_STEPS:
                step(seed, run)
    return run
