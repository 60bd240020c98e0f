"""Build the demo data, idempotently.

Every row is found by its natural key (a workspace's slug, an organization's name within
its workspace, a person's email) and created only when missing, so running the seeder
again creates nothing and leaves edits made in the app alone.

Each workspace is seeded in one transaction that sets it as the tenant
(``workspace_context``), as Row-Level Security on PostgreSQL requires. The per-workspace
work is a list of steps; a later part of the product adds its demo data by appending a
step (``seed_partnerships`` in ``demo.seed_partnerships``; ``seed_goals``, ...) to
``WORKSPACE_STEPS``. Tenant rows are written through the domain services, as a person in
the app would write them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress

from demo.data import WORKSPACES, OrganizationSpec, WorkspaceSpec
from demo.seed_goals import seed_goals
from demo.seed_impact import seed_impact
from demo.seed_partnerships import seed_partnerships
from partnerhub.models import Membership, User, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import Contact, Organization, OrganizationTrait
from partners.services.organizations import (
    organization_create,
    organization_update,
    organization_values,
)


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
    """The directory, through the organization services (their validation applies)."""
    for spec in seed.spec.organizations:
        organization = (
            Organization.objects.for_workspace(seed.workspace).filter(name=spec.name).first()
        )
        run.record("organization", created=organization is None)
        if organization is None:
            organization = organization_create(
                workspace=seed.workspace,
                actor=None,  # the seeder, before any demo user exists
                contacts=spec.service_contacts(),
                **spec.service_values(),
            )
        elif _complete_profile(seed, spec, organization):
            run.record("organization profile", created=True)
        seed.organizations[spec.name] = organization


def _complete_profile(
    seed: WorkspaceSeed, spec: OrganizationSpec, organization: Organization
) -> bool:
    """Give an organization seeded before profiles existed (no focus areas, offers or
    needs at all) the rest of its demo profile; values someone filled in are kept."""
    workspace = seed.workspace
    if (
        OrganizationTrait.objects.for_workspace(workspace)
        .filter(organization=organization)
        .exists()
    ):
        return False
    values = organization_values(organization)
    for key, value in spec.service_values().items():
        if not values.get(key):
            values[key] = value
    has_contacts = (
        Contact.objects.for_workspace(workspace).filter(organization=organization).exists()
    )
    organization_update(
        workspace=workspace,
        actor=None,
        organization=organization,
        contacts=None if has_contacts else spec.service_contacts(),
        **values,
    )
    return True


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


WORKSPACE_STEPS: list[Step] = [
    seed_organizations,
    seed_people,
    seed_partnerships,
    seed_goals,
    seed_impact,
]


def seed_demo(*, password: str) -> SeedRun:
    run = SeedRun(password=password)
    for spec in WORKSPACES:
        workspace = seed_workspace(spec, run)
        with workspace_context(workspace):
            seed = WorkspaceSeed(spec=spec, workspace=workspace)
            for step in WORKSPACE_STEPS:
                step(seed, run)
    return run
