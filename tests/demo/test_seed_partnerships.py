"""The demo partnerships: every model, a status history with reasons, members and roles,
the five conditions, a commitments ledger with deliveries, one real PDF agreement per
workspace, partner discovery with something to suggest, and idempotency."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal
from itertools import pairwise

import pytest
from django.test import Client
from django.urls import reverse

from demo.data import WORKSPACES
from demo.data_partnerships import PARTNERSHIPS
from demo.pdf import text_pdf
from partnerhub.models import Role, User, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import (
    IATI_ROLE_FOR_MEMBER_ROLE,
    AgreementDocument,
    CollectiveImpactCondition,
    Commitment,
    CommitmentDelivery,
    CommitmentKind,
    Condition,
    MemberRole,
    Organization,
    OrganizationTrait,
    Partnership,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatus,
    PartnershipStatusChange,
    TraitKind,
)
from partners.services.partnerships import partnership_change_status
from partners.uploads import PDF, detect_file_type
from tests.demo.seed_helpers import demo_partner, row_counts, run_seed

RIVERSIDE, COASTAL = "riverside-youth", "coastal-preparedness"
COLLECTIVE = "Riverside Youth Employment Collective"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    run_seed()
    return {w.slug: w for w in Workspace.objects.all()}


# --- The PDF built in code ------------------------------------------------------------------


def test_demo_pdf_is_well_formed():
    data = text_pdf("Agreement (draft)", ["Line one \\ with a backslash", "Café"])
    assert data.startswith(b"%PDF-1.4\n")
    assert data.endswith(b"%%EOF\n")
    # Every cross-reference entry points at its object, and startxref at the table.
    startxref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[startxref:].startswith(b"xref\n0 6\n")
    entries = re.findall(rb"(\d{10}) 00000 n \n", data[startxref:])
    assert len(entries) == 5
    for number, offset in enumerate(entries, start=1):
        assert data[int(offset) :].startswith(f"{number} 0 obj\n".encode())
    length = int(re.search(rb"/Length (\d+) >>\nstream\n", data).group(1))
    stream_start = data.index(b"stream\n") + len(b"stream\n")
    assert data[stream_start + length :].startswith(b"\nendstream")
    # Text is escaped inside PDF strings; what the standard fonts cannot show is replaced.
    assert b"(Agreement \\(draft\\)) Tj" in data
    assert b"(Line one \\\\ with a backslash) Tj" in data
    assert b"(Caf?) Tj" in data


# --- Partnerships, models, statuses and history ----------------------------------------------


@pytest.mark.django_db
def test_every_workspace_has_partnerships_and_every_model_appears(seeded):
    models: set[str] = set()
    statuses: set[str] = set()
    for slug, workspace in seeded.items():
        with workspace_context(workspace):
            partnerships = list(Partnership.objects.for_workspace(workspace))
        assert len(partnerships) >= 3, slug
        assert all(p.common_agenda and p.lead_organization_id for p in partnerships)
        models |= {p.model for p in partnerships}
        statuses |= {p.status for p in partnerships}
    assert models == set(PartnershipModel.values)
    assert len(statuses) >= 5  # exploring, forming, active, paused, completed, dissolved...


@pytest.mark.django_db
def test_status_history_is_a_chain_of_transitions_with_reasons(seeded):
    for workspace in seeded.values():
        coordinator = User.objects.get(
            memberships__workspace=workspace, memberships__role=Role.COORDINATOR
        )
        with workspace_context(workspace):
            for partnership in Partnership.objects.for_workspace(workspace):
                changes = list(
                    PartnershipStatusChange.objects.for_workspace(workspace)
                    .filter(partnership=partnership)
                    .order_by("created_at", "id")
                )
                assert changes[0].from_status == ""
                for before, after in pairwise(changes):
                    assert after.from_status == before.to_status
                assert changes[-1].to_status == partnership.status
                assert all(change.reason for change in changes)
                assert {change.changed_by_id for change in changes} == {coordinator.pk}
    with workspace_context(seeded[RIVERSIDE]):
        history_lengths = [
            p.status_changes.count() for p in Partnership.objects.for_workspace(seeded[RIVERSIDE])
        ]
    assert max(history_lengths) >= 3


@pytest.mark.django_db
def test_the_collective_impact_initiative_has_its_five_conditions_with_evidence(seeded):
    workspace = seeded[RIVERSIDE]
    with workspace_context(workspace):
        initiative = Partnership.objects.for_workspace(workspace).get(name=COLLECTIVE)
        conditions = list(
            CollectiveImpactCondition.objects.for_workspace(workspace).filter(
                partnership=initiative
            )
        )
    assert initiative.model == PartnershipModel.COLLECTIVE_IMPACT
    assert initiative.status == PartnershipStatus.ACTIVE
    assert {c.condition for c in conditions} == set(Condition.values)
    assert all(len(c.evidence) > 40 for c in conditions)
    assert 0 < sum(c.in_place for c in conditions) < 5  # honest: one is not secure yet


# --- Members and roles -----------------------------------------------------------------------


@pytest.mark.django_db
def test_members_hold_roles_the_lead_leads_and_a_former_member_keeps_its_history(seeded):
    all_roles: set[str] = set()
    several_roles = 0
    former = []
    for workspace in seeded.values():
        with workspace_context(workspace):
            for partnership in Partnership.objects.for_workspace(workspace):
                members = list(
                    PartnershipMember.objects.for_workspace(workspace).filter(
                        partnership=partnership
                    )
                )
                assert len(members) >= 3
                lead = [m for m in members if m.organization_id == partnership.lead_organization_id]
                assert len(lead) == 1 and MemberRole.LEAD in lead[0].roles
                assert lead[0].is_current
                for member in members:
                    assert member.roles and set(member.roles) <= set(MemberRole.values)
                    all_roles |= set(member.roles)
                    several_roles += len(member.roles) > 1
                    if not member.is_current:
                        assert member.left_on >= member.joined_on
                        former.append(member)
    assert all_roles == set(MemberRole.values)
    assert several_roles >= 5
    # Several roles map to several IATI organisation roles (funding and implementing).
    assert {IATI_ROLE_FOR_MEMBER_ROLE[r] for r in (MemberRole.FUNDER, MemberRole.IMPLEMENTER)} == {
        1,
        4,
    }
    assert len(former) == 1
    with workspace_context(seeded[RIVERSIDE]):
        commitments = Commitment.objects.for_workspace(seeded[RIVERSIDE]).filter(member=former[0])
        assert commitments.exists()  # what it pledged stays in the ledger


@pytest.mark.django_db
def test_partner_demo_users_represent_current_members_of_a_partnership(seeded):
    for workspace in seeded.values():
        partner = demo_partner(workspace)
        with workspace_context(workspace):
            assert (
                PartnershipMember.objects.for_workspace(workspace)
                .filter(organization_id=partner.organization_id, left_on__isnull=True)
                .exists()
            )


@pytest.mark.django_db
def test_the_partner_demo_user_sees_only_the_partnerships_of_their_organization(seeded):
    workspace = seeded[RIVERSIDE]
    client = Client()
    client.force_login(User.objects.get(email="partner@riverside.example"))
    response = client.get(reverse("partnership_list", kwargs={"workspace_slug": workspace.slug}))
    assert response.status_code == 200
    page = response.content.decode()
    assert COLLECTIVE in page
    assert "Riverside Summer Jobs Program" in page
    assert "Advanced Manufacturing Apprenticeship Pathway" not in page
    assert "Riverside Digital Skills Lab" not in page


# --- Commitments and deliveries --------------------------------------------------------------


@pytest.mark.django_db
def test_commitments_of_every_kind_with_full_partial_and_no_deliveries(seeded):
    for slug, workspace in seeded.items():
        with workspace_context(workspace):
            commitments = list(Commitment.objects.for_workspace(workspace))
            delivered: defaultdict[int, Decimal] = defaultdict(Decimal)
            for delivery in CommitmentDelivery.objects.for_workspace(workspace):
                delivered[delivery.commitment_id] += delivery.amount
                assert delivery.note
        assert {c.kind for c in commitments} == set(CommitmentKind.values), slug
        for commitment in commitments:
            assert commitment.description
            if commitment.kind == CommitmentKind.STAFF_TIME:
                assert commitment.currency == ""
            else:
                assert re.fullmatch(r"[A-Z]{3}", commitment.currency)
        progress = Counter(
            "none" if not delivered[c.pk] else "full" if delivered[c.pk] >= c.pledged else "partial"
            for c in commitments
        )
        assert progress["full"] and progress["partial"] and progress["none"], (slug, progress)


# --- The agreement documents -----------------------------------------------------------------


@pytest.mark.django_db
def test_one_agreement_per_workspace_stored_as_a_real_pdf(seeded):
    for workspace in seeded.values():
        with workspace_context(workspace):
            documents = list(AgreementDocument.objects.for_workspace(workspace))
        assert len(documents) == 1
        document = documents[0]
        assert document.content_type == "application/pdf"
        assert document.original_name.endswith(".pdf")
        assert document.uploaded_by is not None
        with document.file.open("rb") as handle:
            content = handle.read()
            assert detect_file_type(handle) == PDF
        assert content.startswith(b"%PDF-")
        assert content.rstrip().endswith(b"%%EOF")
        assert len(content) == document.size


@pytest.mark.django_db
def test_the_coordinator_opens_each_demo_partnership_and_downloads_the_agreement(seeded):
    workspace = seeded[COASTAL]
    client = Client()
    client.force_login(User.objects.get(email="coordinator@coastal.example"))
    with workspace_context(workspace):
        partnerships = list(Partnership.objects.for_workspace(workspace))
        document = AgreementDocument.objects.for_workspace(workspace).get()
    for partnership in partnerships:
        url = reverse(
            "partnership_detail", kwargs={"workspace_slug": workspace.slug, "pk": partnership.pk}
        )
        response = client.get(url)
        assert response.status_code == 200
        assert partnership.name in response.content.decode()
    download = client.get(
        reverse(
            "document_download",
            kwargs={
                "workspace_slug": workspace.slug,
                "pk": document.partnership_id,
                "doc_pk": document.pk,
            },
        )
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


# --- Partner discovery -----------------------------------------------------------------------


@pytest.mark.django_db
def test_discovery_suggests_organizations_for_the_demo_partnerships(seeded):
    from partners import selectors_discovery as selectors

    expectations = {
        (RIVERSIDE, COLLECTIVE): "Riverside Public Library",
        (COASTAL, "Bay County Hurricane Readiness Partnership"): (
            "Bay County Amateur Radio Emergency Service"
        ),
    }
    for (slug, name), best in expectations.items():
        workspace = seeded[slug]
        with workspace_context(workspace):
            partnership = Partnership.objects.for_workspace(workspace).get(name=name)
            members = set(
                PartnershipMember.objects.for_workspace(workspace)
                .filter(partnership=partnership, left_on__isnull=True)
                .values_list("organization_id", flat=True)
            )
            result = selectors.partner_suggestions(workspace=workspace, partnership=partnership)
        # The partnership lacks something that organizations outside it offer.
        assert "technology" in result.gaps.declared
        assert len(result.suggestions) >= 2
        assert result.suggestions[0].organization.name == best
        assert "which no member offers" in result.suggestions[0].explanation
        assert not members & {s.organization.id for s in result.suggestions}


@pytest.mark.django_db
def test_the_suggestions_page_shows_demo_suggestions(seeded):
    workspace = seeded[RIVERSIDE]
    with workspace_context(workspace):
        partnership = Partnership.objects.for_workspace(workspace).get(name=COLLECTIVE)
    client = Client()
    client.force_login(User.objects.get(email="coordinator@riverside.example"))
    response = client.get(
        reverse(
            "partnership_suggestions",
            kwargs={"workspace_slug": workspace.slug, "pk": partnership.pk},
        )
    )
    assert response.status_code == 200
    assert "Riverside Public Library" in response.content.decode()


# --- Idempotency and respect for edits -------------------------------------------------------


@pytest.mark.django_db
def test_a_second_run_creates_no_partnership_rows(seeded):
    before = row_counts()
    for slug in seeded:
        assert before[f"partnership:{slug}"] == len(PARTNERSHIPS[slug])
        assert before[f"agreementdocument:{slug}"] == 1
        for kind in ("partnershipmember", "commitment", "commitmentdelivery"):
            assert before[f"{kind}:{slug}"] > 0
    output = run_seed()
    assert "nothing new" in output
    assert row_counts() == before


@pytest.mark.django_db
def test_the_seed_leaves_what_people_changed_in_partnerships_alone(seeded):
    workspace = seeded[RIVERSIDE]
    coordinator = User.objects.get(email="coordinator@riverside.example")
    with workspace_context(workspace):
        initiative = Partnership.objects.for_workspace(workspace).get(name=COLLECTIVE)
        partnership_change_status(
            workspace=workspace,
            actor=coordinator,
            partnership=initiative,
            status=PartnershipStatus.PAUSED,
            reason="Funding review.",
        )
        condition = CollectiveImpactCondition.objects.for_workspace(workspace).get(
            partnership=initiative, condition=Condition.BACKBONE_SUPPORT
        )
        condition.in_place, condition.evidence = True, "Data manager funded for five years."
        condition.save()
    before = row_counts()
    run_seed()
    assert row_counts() == before
    with workspace_context(workspace):
        initiative.refresh_from_db()
        condition.refresh_from_db()
    assert initiative.status == PartnershipStatus.PAUSED
    assert condition.evidence == "Data manager funded for five years."


@pytest.mark.django_db
def test_organizations_seeded_before_profiles_existed_get_their_profile(db):
    """A database seeded when organizations had only a sector and a mission: the next run
    adds focus areas, offers, needs and contacts, and keeps what was there."""
    workspace = Workspace.objects.create(
        slug=RIVERSIDE, name=WORKSPACES[0].name, timezone=WORKSPACES[0].timezone
    )
    with workspace_context(workspace):
        old = Organization.objects.create(
            workspace=workspace,
            name="Eastside Youth Voices",
            sector="community",
            mission="Mission written long ago.",
        )
    run_seed()
    with workspace_context(workspace):
        old.refresh_from_db()
        kinds = set(
            OrganizationTrait.objects.for_workspace(workspace)
            .filter(organization=old)
            .values_list("kind", flat=True)
        )
        contacts = old.contacts.count()
    assert old.mission == "Mission written long ago."
    assert old.country == "US" and old.region
    assert kinds == set(TraitKind.values)
    assert contacts >= 1
