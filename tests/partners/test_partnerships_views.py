"""The partnership pages: who sees what, who may change what, the forms, query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import (
    AgreementDocument,
    CollectiveImpactCondition,
    Commitment,
    CommitmentDelivery,
    Partnership,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatus,
    PartnershipStatusChange,
)
from partners.services.commitments import commitment_create
from partners.services.documents import document_upload
from tests.factories import OrganizationFactory
from tests.partners.partnership_helpers import (
    PDF_BYTES,
    PNG_BYTES,
    add_members_with_commitments,
    make_partnership,
    upload,
)

pytestmark = pytest.mark.django_db

ROLES = ("admin", "coordinator", "partner", "viewer")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


def _member(cast, partnership) -> PartnershipMember:  # type: ignore[no-untyped-def]
    return PartnershipMember.objects.get(partnership=partnership, organization=cast.organization)


def _commitment(cast, partnership) -> Commitment:  # type: ignore[no-untyped-def]
    from partnerhub.tenancy import workspace_context

    with workspace_context(cast.workspace):
        return commitment_create(
            workspace=cast.workspace,
            actor=cast.coordinator,
            member=_member(cast, partnership),
            kind="cash",
            pledged=Decimal("100"),
            currency="EUR",
        )


def _document(cast, partnership) -> AgreementDocument:  # type: ignore[no-untyped-def]
    from partnerhub.tenancy import workspace_context

    with workspace_context(cast.workspace):
        return document_upload(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership,
            file=upload("mou.pdf", PDF_BYTES),
            title="MOU",
        )


def write_pages(cast, partnership) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, url) of every page that changes something."""
    pk = partnership.pk
    member_pk = _member(cast, partnership).pk
    commitment_pk = _commitment(cast, partnership).pk
    doc_pk = _document(cast, partnership).pk
    pages = [
        ("get", url("partnership_create", cast)),
        ("post", url("partnership_create", cast)),
        ("get", url("partnership_edit", cast, pk=pk)),
        ("post", url("partnership_edit", cast, pk=pk)),
        ("get", url("partnership_status", cast, pk=pk)),
        ("post", url("partnership_status", cast, pk=pk)),
        ("get", url("partnership_member_add", cast, pk=pk)),
        ("post", url("partnership_member_add", cast, pk=pk)),
        ("get", url("partnership_member_edit", cast, pk=pk, member_pk=member_pk)),
        ("post", url("partnership_member_edit", cast, pk=pk, member_pk=member_pk)),
        ("post", url("partnership_member_remove", cast, pk=pk, member_pk=member_pk)),
        ("get", url("commitment_create", cast, pk=pk)),
        ("post", url("commitment_create", cast, pk=pk)),
        ("get", url("commitment_delivery_add", cast, pk=pk, commitment_pk=commitment_pk)),
        ("post", url("commitment_delivery_add", cast, pk=pk, commitment_pk=commitment_pk)),
        ("get", url("partnership_conditions", cast, pk=pk)),
        ("post", url("partnership_conditions", cast, pk=pk)),
        ("get", url("document_upload", cast, pk=pk)),
        ("post", url("document_upload", cast, pk=pk)),
        ("post", url("document_delete", cast, pk=pk, doc_pk=doc_pk)),
    ]
    return pages


# --- Reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_list_and_a_partnership_of_their_organization(cast_a, role):
    partnership = make_partnership(cast_a, model=PartnershipModel.COLLECTIVE_IMPACT)
    client = cast_a.client(role)
    listing = client.get(url("partnership_list", cast_a))
    assert listing.status_code == 200
    assert partnership.name in listing.content.decode()
    detail = client.get(url("partnership_detail", cast_a, pk=partnership.pk))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Members and roles" in body
    assert "The five conditions of collective impact" in body
    can_edit = role in ("admin", "coordinator")
    assert (url("partnership_edit", cast_a, pk=partnership.pk) in body) is can_edit


def test_partners_see_only_their_own_partnerships(cast_a):
    own = make_partnership(cast_a, name="Own work")
    other = make_partnership(cast_a, name="Not ours", with_partner_org=False)
    client = cast_a.client("partner")
    body = client.get(url("partnership_list", cast_a)).content.decode()
    assert "Own work" in body
    assert "Not ours" not in body
    assert client.get(url("partnership_detail", cast_a, pk=own.pk)).status_code == 200
    assert client.get(url("partnership_detail", cast_a, pk=other.pk)).status_code == 404
    viewer_body = cast_a.client("viewer").get(url("partnership_list", cast_a)).content.decode()
    assert "Own work" in viewer_body and "Not ours" in viewer_body


def test_a_partner_whose_organization_left_loses_sight(cast_a):
    partnership = make_partnership(cast_a)
    member = _member(cast_a, partnership)
    response = cast_a.client("coordinator").post(
        url("partnership_member_remove", cast_a, pk=partnership.pk, member_pk=member.pk)
    )
    assert response.status_code == 302
    partner = cast_a.client("partner")
    assert partner.get(url("partnership_detail", cast_a, pk=partnership.pk)).status_code == 404


def test_workspace_b_gets_404(cast_a, cast_b):
    partnership = make_partnership(cast_a)
    client = cast_b.client("admin")
    assert client.get(url("partnership_detail", cast_a, pk=partnership.pk)).status_code == 404
    assert client.get(url("partnership_detail", cast_b, pk=partnership.pk)).status_code == 404
    assert client.get(url("partnership_list", cast_a)).status_code == 404
    assert client.post(url("partnership_edit", cast_b, pk=partnership.pk)).status_code == 404


def test_list_filters(cast_a):
    make_partnership(cast_a, name="Alpha", model=PartnershipModel.PUBLIC_PRIVATE)
    make_partnership(
        cast_a,
        name="Beta",
        model=PartnershipModel.OTHER,
        with_partner_org=False,
        lead_organization=cast_a.other_organization,
    )
    client = cast_a.client("viewer")

    def names(**params):  # type: ignore[no-untyped-def]
        body = client.get(url("partnership_list", cast_a), params).content.decode()
        return [n for n in ("Alpha", "Beta") if f">{n}</a>" in body]

    assert names() == ["Alpha", "Beta"]
    assert names(model="public_private") == ["Alpha"]
    assert names(organization=cast_a.other_organization.pk) == ["Beta"]
    assert names(status="active") == []
    assert names(status="nonsense") == ["Alpha", "Beta"]  # an invalid filter is ignored


def test_organization_filter_offers_member_organizations_the_caller_can_see(cast_a):
    make_partnership(cast_a, name="Own")
    make_partnership(
        cast_a, name="Not ours", with_partner_org=False, lead_organization=cast_a.other_organization
    )
    outsider = OrganizationFactory(workspace=cast_a.workspace, name="In no partnership")
    page = url("partnership_list", cast_a)
    viewer = cast_a.client("viewer").get(page).content.decode()
    partner = cast_a.client("partner").get(page).content.decode()
    assert f'<option value="{cast_a.other_organization.pk}">' in viewer
    assert f'<option value="{outsider.pk}">' not in viewer  # a member of nothing: no filter
    assert f'<option value="{cast_a.organization.pk}">' in partner
    assert f'<option value="{cast_a.other_organization.pk}">' not in partner


def test_detail_shows_roles_iati_mapping_ledger_and_history(cast_a):
    partnership = make_partnership(cast_a, lead_organization=cast_a.other_organization)
    commitment = _commitment(cast_a, partnership)
    client = cast_a.client("coordinator")
    client.post(
        url("commitment_delivery_add", cast_a, pk=partnership.pk, commitment_pk=commitment.pk),
        {"amount": "40", "delivered_on": "2026-02-01"},
    )
    body = client.get(url("partnership_detail", cast_a, pk=partnership.pk)).content.decode()
    assert "Lead / backbone" in body and "IATI 2: Accountable" in body
    assert "Implementer" in body and "IATI 4: Implementing" in body
    assert "Cash: 100.00 EUR pledged, 40.00 EUR delivered (40%)." in body
    assert "<meter" in body
    assert "created as exploring" in body


# --- Access to writes -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "partner"])
def test_viewers_and_partners_get_403_on_every_write(cast_a, role):
    partnership = make_partnership(cast_a, model=PartnershipModel.COLLECTIVE_IMPACT)
    client = cast_a.client(role)
    for method, page in write_pages(cast_a, partnership):
        response = getattr(client, method)(page)
        assert response.status_code == 403, (method, page, response.status_code)
    assert Partnership.objects.count() == 1
    assert AgreementDocument.objects.count() == 1
    assert PartnershipMember.objects.filter(left_on__isnull=True).count() == 1


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_editors_reach_every_write_page(cast_a, role):
    partnership = make_partnership(cast_a, model=PartnershipModel.COLLECTIVE_IMPACT)
    client = cast_a.client(role)
    for method, page in write_pages(cast_a, partnership):
        if method == "get":
            assert client.get(page).status_code == 200, page


# --- Forms ----------------------------------------------------------------------------------


def test_coordinator_creates_a_collective_impact_initiative(cast_a):
    client = cast_a.client("coordinator")
    response = client.post(
        url("partnership_create", cast_a),
        {
            "name": "Youth Jobs Initiative",
            "model": "collective_impact",
            "status": "forming",
            "common_agenda": "Every young person in work or training.",
            "needs": ["funding", "data"],
            "lead_organization": cast_a.other_organization.pk,
            "start_date": "2026-01-01",
            "end_date": "2028-12-31",
            "iati_identifier": "",
        },
    )
    partnership = Partnership.objects.get(name="Youth Jobs Initiative")
    assert response.status_code == 302
    assert response["Location"] == url("partnership_detail", cast_a, pk=partnership.pk)
    assert partnership.status == PartnershipStatus.FORMING
    assert partnership.needs == ["funding", "data"]
    assert CollectiveImpactCondition.objects.filter(partnership=partnership).count() == 5
    change = PartnershipStatusChange.objects.get(partnership=partnership)
    assert change.changed_by == cast_a.coordinator


def test_create_shows_field_errors(cast_a):
    make_partnership(cast_a, name="Taken")
    response = cast_a.client("coordinator").post(
        url("partnership_create", cast_a),
        {
            "name": "Taken",
            "model": "other",
            "status": "exploring",
            "start_date": "2026-05-01",
            "end_date": "2026-01-01",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert "Another partnership of this workspace has this name." in body
    assert "The end date cannot be before the start date." in body


def test_edit_prefills_and_saves(cast_a):
    partnership = make_partnership(cast_a, common_agenda="Old")
    client = cast_a.client("coordinator")
    page = client.get(url("partnership_edit", cast_a, pk=partnership.pk)).content.decode()
    assert 'value="River Partnership"' in page
    assert "Status to start with" not in page
    response = client.post(
        url("partnership_edit", cast_a, pk=partnership.pk),
        {"name": "River Partnership", "model": "cross_sector", "common_agenda": "New"},
    )
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.common_agenda == "New"


def test_status_form_requires_a_reason_to_pause_and_records_changes(cast_a):
    partnership = make_partnership(cast_a)
    client = cast_a.client("coordinator")
    status_url = url("partnership_status", cast_a, pk=partnership.pk)
    page = client.get(status_url).content.decode()
    assert 'value="exploring"' not in page  # not to the same status
    refused = client.post(status_url, {"status": "paused", "reason": ""})
    assert refused.status_code == 200
    assert "Give a reason for this change." in refused.content.decode()
    done = client.post(status_url, {"status": "paused", "reason": "Waiting for funds"})
    assert done.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == "paused"
    change = PartnershipStatusChange.objects.filter(partnership=partnership).first()
    assert (change.to_status, change.reason, change.changed_by) == (
        "paused",
        "Waiting for funds",
        cast_a.coordinator,
    )


def test_member_add_offers_only_non_members_and_adds(cast_a):
    partnership = make_partnership(cast_a)
    newcomer = OrganizationFactory(workspace=cast_a.workspace, name="Newcomer Trust")
    client = cast_a.client("coordinator")
    add_url = url("partnership_member_add", cast_a, pk=partnership.pk)
    page = client.get(add_url).content.decode()
    assert f'value="{newcomer.pk}"' in page
    assert f'value="{cast_a.organization.pk}"' not in page  # already a member
    assert "<legend>Roles" in page or "Roles</legend>" in page
    missing_role = client.post(add_url, {"organization": newcomer.pk})
    assert "Choose at least one role." in missing_role.content.decode()
    response = client.post(add_url, {"organization": newcomer.pk, "roles": ["funder", "advisor"]})
    assert response.status_code == 302
    member = PartnershipMember.objects.get(partnership=partnership, organization=newcomer)
    assert member.roles == ["funder", "advisor"]


def test_member_edit_and_remove_keep_history(cast_a):
    partnership = make_partnership(cast_a)
    member = _member(cast_a, partnership)
    client = cast_a.client("coordinator")
    edit_url = url("partnership_member_edit", cast_a, pk=partnership.pk, member_pk=member.pk)
    response = client.post(edit_url, {"roles": ["evaluator"], "joined_on": "2026-01-01"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.roles == ["evaluator"]
    client.post(url("partnership_member_remove", cast_a, pk=partnership.pk, member_pk=member.pk))
    member.refresh_from_db()
    assert member.left_on is not None
    body = client.get(url("partnership_detail", cast_a, pk=partnership.pk)).content.decode()
    assert "Past members" in body


def test_removing_the_lead_is_refused_with_a_message(cast_a):
    partnership = make_partnership(
        cast_a, lead_organization=cast_a.organization, with_partner_org=False
    )
    member = _member(cast_a, partnership)
    response = cast_a.client("coordinator").post(
        url("partnership_member_remove", cast_a, pk=partnership.pk, member_pk=member.pk)
    )
    assert any("leads this partnership" in m for m in messages_of(response))
    member.refresh_from_db()
    assert member.left_on is None


def test_member_of_another_partnership_is_404(cast_a):
    one = make_partnership(cast_a, name="One")
    two = make_partnership(cast_a, name="Two")
    member_of_two = _member(cast_a, two)
    response = cast_a.client("coordinator").get(
        url("partnership_member_edit", cast_a, pk=one.pk, member_pk=member_of_two.pk)
    )
    assert response.status_code == 404


def test_commitment_and_delivery_forms(cast_a):
    partnership = make_partnership(cast_a)
    client = cast_a.client("coordinator")
    create_url = url("commitment_create", cast_a, pk=partnership.pk)
    refused = client.post(
        create_url, {"member": _member(cast_a, partnership).pk, "kind": "cash", "pledged": "500"}
    )
    assert "Give the currency, e.g. EUR or USD." in refused.content.decode()
    response = client.post(
        create_url,
        {
            "member": _member(cast_a, partnership).pk,
            "kind": "in_kind",
            "pledged": "500",
            "currency": "usd",
            "description": "Meeting rooms",
            "pledged_on": "2026-01-15",
        },
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.currency, commitment.description) == ("USD", "Meeting rooms")
    delivery_url = url(
        "commitment_delivery_add", cast_a, pk=partnership.pk, commitment_pk=commitment.pk
    )
    assert client.post(delivery_url, {"amount": "300"}).status_code == 302
    over = client.post(delivery_url, {"amount": "250", "note": "Extra rooms"})
    assert any("more than the 500.00 USD pledged" in m for m in messages_of(over))
    assert CommitmentDelivery.objects.count() == 2


def test_delivery_on_a_commitment_of_another_partnership_is_404(cast_a):
    one = make_partnership(cast_a, name="One")
    two = make_partnership(cast_a, name="Two")
    commitment = _commitment(cast_a, two)
    response = cast_a.client("coordinator").get(
        url("commitment_delivery_add", cast_a, pk=one.pk, commitment_pk=commitment.pk)
    )
    assert response.status_code == 404


def test_conditions_checklist(cast_a):
    partnership = make_partnership(cast_a, model=PartnershipModel.COLLECTIVE_IMPACT)
    client = cast_a.client("coordinator")
    conditions_url = url("partnership_conditions", cast_a, pk=partnership.pk)
    page = client.get(conditions_url).content.decode()
    assert page.count("<legend>") == 5
    response = client.post(
        conditions_url,
        {
            "common_agenda-in_place": "on",
            "common_agenda-evidence": "Signed charter",
            "backbone_support-evidence": "Hiring a director",
        },
    )
    assert response.status_code == 302
    rows = {
        c.condition: c for c in CollectiveImpactCondition.objects.filter(partnership=partnership)
    }
    assert rows["common_agenda"].in_place and rows["common_agenda"].evidence == "Signed charter"
    assert not rows["backbone_support"].in_place
    assert rows["backbone_support"].evidence == "Hiring a director"
    body = client.get(url("partnership_detail", cast_a, pk=partnership.pk)).content.decode()
    assert "1 of 5 conditions in place." in body
    other = make_partnership(cast_a, name="PPP", model=PartnershipModel.PUBLIC_PRIVATE)
    assert client.get(url("partnership_conditions", cast_a, pk=other.pk)).status_code == 404


def test_document_upload_and_delete_through_the_pages(cast_a, settings):
    partnership = make_partnership(cast_a)
    client = cast_a.client("coordinator")
    upload_url = url("document_upload", cast_a, pk=partnership.pk)
    page = client.get(upload_url).content.decode()
    assert 'enctype="multipart/form-data"' in page
    refused = client.post(
        upload_url, {"file": upload("scan.pdf", PNG_BYTES, "application/pdf"), "kind": "mou"}
    )
    assert refused.status_code == 200
    assert "not a PDF, DOCX or ODT document" in refused.content.decode()
    assert AgreementDocument.objects.count() == 0
    response = client.post(
        upload_url, {"file": upload("Signed MOU.pdf", PDF_BYTES), "kind": "mou", "title": ""}
    )
    assert response.status_code == 302
    document = AgreementDocument.objects.get()
    assert (document.title, document.original_name, document.content_type) == (
        "Signed MOU",
        "Signed MOU.pdf",
        "application/pdf",
    )
    stored = document.file.name
    assert document.file.storage.exists(stored)
    client.post(url("document_delete", cast_a, pk=partnership.pk, doc_pk=document.pk))
    assert AgreementDocument.objects.count() == 0


# --- Query counts -------------------------------------------------------------------------


def _count_queries(client, page: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page)
    assert response.status_code == 200
    return len(queries)


def test_list_page_query_count_does_not_grow(cast_a):
    client = cast_a.client("partner")
    make_partnership(cast_a, name="P0", lead_organization=cast_a.other_organization)
    page = url("partnership_list", cast_a)
    client.get(page)
    few = _count_queries(client, page)
    for i in range(1, 8):
        make_partnership(cast_a, name=f"P{i}", lead_organization=cast_a.other_organization)
    many = _count_queries(client, page)
    assert many == few
    assert client.get(page).content.decode().count("<tr>") == 1 + 8


def test_detail_page_query_count_does_not_grow(cast_a, django_assert_max_num_queries):
    partnership = make_partnership(cast_a, model=PartnershipModel.COLLECTIVE_IMPACT)
    client = cast_a.client("coordinator")
    page = url("partnership_detail", cast_a, pk=partnership.pk)
    add_members_with_commitments(cast_a, partnership, 1)
    _document(cast_a, partnership)
    client.get(page)
    few = _count_queries(client, page)
    add_members_with_commitments(cast_a, partnership, 6)
    for _ in range(3):
        _document(cast_a, partnership)
    from partnerhub.tenancy import workspace_context
    from partners.services.partnerships import partnership_change_status

    with workspace_context(cast_a.workspace):
        partnership_change_status(
            workspace=cast_a.workspace, actor=cast_a.admin, partnership=partnership, status="active"
        )
    many = _count_queries(client, page)
    assert many == few
    # session, user, membership, [set_config], partnership, members, commitments, two
    # totals, documents, history, conditions, the workspace switcher, and savepoints.
    with django_assert_max_num_queries(18):
        client.get(page)
