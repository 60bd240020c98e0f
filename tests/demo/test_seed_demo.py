"""``python manage.py seed_demo``: realistic, idempotent, one login per role, RLS-safe."""

from __future__ import annotations

from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError
from django.db import connection
from django.test import Client

from demo.data import WORKSPACES
from demo.management.commands.seed_demo import DEMO_PASSWORD
from partnerhub.models import Membership, Role, User, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import Organization, OrganizationTrait, Sector, TraitKind
from tests.demo.seed_helpers import TENANT_MODELS, row_counts, run_seed


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path  # the agreement documents the seeder uploads


@pytest.mark.django_db
def test_seed_demo_builds_both_workspaces_and_prints_the_logins():
    output = run_seed()

    assert set(Workspace.objects.values_list("slug", flat=True)) == {
        "riverside-youth",
        "coastal-preparedness",
    }
    assert "http://127.0.0.1:8000/accounts/login/" in output
    assert output.count(DEMO_PASSWORD) == 1  # the shared password, printed once
    for spec in WORKSPACES:
        for person in spec.people:
            line = next(line for line in output.splitlines() if person.email in line)
            assert str(person.role) in line
            assert spec.name in line


@pytest.mark.django_db
def test_every_workspace_has_organizations_of_every_sector():
    run_seed()
    for spec in WORKSPACES:
        workspace = Workspace.objects.get(slug=spec.slug)
        with workspace_context(workspace):
            organizations = list(
                Organization.objects.for_workspace(workspace).prefetch_related("contacts")
            )
            traits = set(
                OrganizationTrait.objects.for_workspace(workspace).values_list(
                    "organization_id", "kind"
                )
            )
        assert len(organizations) >= 12
        assert {org.sector for org in organizations} == set(Sector.values)
        for org in organizations:
            assert org.mission and org.country and org.region and org.size, org.name
            assert org.contacts.all(), org.name
            for kind in TraitKind.values:  # SDGs, tags, offers and needs
                assert (org.pk, kind) in traits, (org.name, kind)


@pytest.mark.django_db
def test_every_role_has_a_verified_user_in_each_workspace():
    run_seed()
    for spec in WORKSPACES:
        workspace = Workspace.objects.get(slug=spec.slug)
        memberships = Membership.objects.filter(workspace=workspace).select_related("user")
        assert {m.role for m in memberships} == set(Role.values)
        for membership in memberships:
            assert EmailAddress.objects.filter(
                user=membership.user, email=membership.user.email, verified=True, primary=True
            ).exists()
            if membership.role == Role.PARTNER:
                with workspace_context(workspace):  # organizations are tenant rows
                    assert membership.organization is not None
                    assert membership.organization.workspace_id == workspace.pk
            else:
                assert membership.organization_id is None


@pytest.mark.django_db
def test_running_twice_creates_nothing_new():
    first = run_seed()
    before = row_counts()
    for model in TENANT_MODELS:  # every kind of row exists (conditions: Riverside only)
        name = model._meta.model_name
        assert sum(n for key, n in before.items() if key.startswith(f"{name}:")) > 0, name
    output = run_seed()
    assert row_counts() == before
    assert "nothing new" in output
    assert "nothing new" not in first


@pytest.mark.django_db
def test_seed_keeps_what_people_changed_in_the_app():
    run_seed()
    workspace = Workspace.objects.get(slug="riverside-youth")
    with workspace_context(workspace):
        org = Organization.objects.for_workspace(workspace).get(name="Eastside Youth Voices")
        org.mission = "Edited in the app."
        org.save()
    run_seed()
    with workspace_context(workspace):
        org.refresh_from_db()
    assert org.mission == "Edited in the app."


@pytest.mark.django_db
def test_a_printed_demo_login_logs_in_through_the_login_form():
    output = run_seed()
    email = "coordinator@riverside.example"
    assert email in output
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": email, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated
    assert response.wsgi_request.user.email == email
    workspace_page = client.get("/w/riverside-youth/")
    assert workspace_page.status_code == 200


@pytest.mark.django_db
def test_refuses_the_well_known_password_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(CommandError, match="--password"):
        run_seed()
    assert not Workspace.objects.exists()

    output = run_seed("--password", "a-staging-only-password")
    assert DEMO_PASSWORD not in output
    user = User.objects.get(email="admin@coastal.example")
    assert user.check_password("a-staging-only-password")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seed_demo_works_under_row_level_security():
    """As the application role: every row is written inside its workspace (through the
    services), and a query without the workspace set sees none of them."""
    run_seed()
    tables = [model._meta.db_table for model in TENANT_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")
        _, is_superuser = cursor.fetchone()
        assert not is_superuser
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] == 0, table  # no workspace set: RLS hides every row
    totals: Counter[str] = Counter()
    for spec in WORKSPACES:
        workspace = Workspace.objects.get(slug=spec.slug)
        with workspace_context(workspace), connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(DISTINCT workspace_id) FROM partners_organization"
            )
            assert cursor.fetchone() == (len(spec.organizations), 1)
            for table in tables:
                cursor.execute(f"SELECT count(*), count(DISTINCT workspace_id) FROM {table}")
                count, workspaces = cursor.fetchone()
                assert workspaces == (1 if count else 0), table
                totals[table] += count
    assert all(totals[table] for table in tables), totals
    before = row_counts()
    run_seed()
    assert row_counts() == before
