"""Every write of the partners app records one activity event, in its transaction, with
the actor as passed (a person or an API key), the partnership, and the changed fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from partnerhub.models import ApiKeyScope, EventAction
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import CommitmentKind, MemberRole, PartnershipModel, PartnershipStatus
from partners.services.commitments import commitment_create, commitment_update, delivery_record
from partners.services.documents import document_delete, document_upload
from partners.services.organizations import (
    organization_create,
    organization_delete,
    organization_update,
    organization_values,
)
from partners.services.partnerships import (
    condition_update,
    partnership_change_status,
    partnership_create,
    partnership_member_add,
    partnership_member_remove,
    partnership_member_update,
    partnership_update,
)
from tests.conftest import Cast
from tests.partnerhub.activity_helpers import events_of, last_event_id
from tests.partners.partnership_helpers import PDF_BYTES, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)


def new_events(cast: Cast, since_id: int) -> list:  # type: ignore[type-arg]
    return events_of(cast.workspace, id__gt=since_id)


def test_partnership_create_records_the_meaningful_fields(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Clean Rivers",
            model=PartnershipModel.CROSS_SECTOR,
            needs=["funding"],
            start_date=date(2026, 3, 1),
        )
    [event] = events_of(cast_a.workspace)
    assert event.action == EventAction.CREATE
    assert event.actor_user == cast_a.coordinator and event.actor_key is None
    assert event.actor_label == cast_a.coordinator.email
    assert (event.object_type, event.object_id) == ("partners.partnership", partnership.pk)
    assert event.partnership_id == partnership.pk
    assert event.object_repr == "Clean Rivers"
    assert event.changes["name"] == "Clean Rivers"
    assert event.changes["status"] == PartnershipStatus.EXPLORING
    assert event.changes["needs"] == ["funding"]
    assert event.changes["start_date"] == "2026-03-01"
    assert event.changes["lead_organization"] is None


def test_partnership_create_with_a_lead_also_records_its_membership(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Led",
            model=PartnershipModel.CROSS_SECTOR,
            lead_organization=cast_a.organization,
        )
    kinds = [(e.action, e.object_type) for e in events_of(cast_a.workspace)]
    assert kinds == [
        (EventAction.CREATE, "partners.partnership"),
        (EventAction.CREATE, "partners.partnershipmember"),
    ]
    member_event = events_of(cast_a.workspace)[1]
    assert member_event.partnership_id == partnership.pk
    assert member_event.changes["organization"] == cast_a.organization.pk
    assert member_event.changes["roles"] == [MemberRole.LEAD]
    assert member_event.object_repr == f"{cast_a.organization.name} in Led"


def test_update_records_only_the_changed_fields(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Before",
            model=PartnershipModel.CROSS_SECTOR,
            common_agenda="Same agenda",
        )
        start = last_event_id(cast_a.workspace)
        partnership_update(
            workspace=cast_a.workspace,
            actor=cast_a.admin,
            partnership=partnership,
            name="After",
            common_agenda="Same agenda",
        )
    [event] = new_events(cast_a, start)
    assert event.action == EventAction.UPDATE
    assert event.actor_user == cast_a.admin
    assert event.changes == {"name": ["Before", "After"]}
    assert event.object_id == partnership.pk and event.partnership_id == partnership.pk


def test_an_update_that_changes_nothing_records_nothing(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Steady",
            model=PartnershipModel.CROSS_SECTOR,
        )
        start = last_event_id(cast_a.workspace)
        partnership_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            name="Steady",
        )
    assert new_events(cast_a, start) == []


def test_a_refused_write_records_nothing(cast_a: Cast):
    from django.core.exceptions import ValidationError

    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Open",
            model=PartnershipModel.CROSS_SECTOR,
        )
        start = last_event_id(cast_a.workspace)
        with pytest.raises(ValidationError):
            partnership_change_status(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                partnership=partnership,
                status=PartnershipStatus.PAUSED,  # needs a reason
            )
    assert new_events(cast_a, start) == []


def test_status_change_and_condition(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Collective",
            model=PartnershipModel.COLLECTIVE_IMPACT,
        )
        start = last_event_id(cast_a.workspace)
        partnership_change_status(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            status=PartnershipStatus.ACTIVE,
        )
        condition_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            condition="common_agenda",
            in_place=True,
            evidence="Signed charter",
        )
    status_event, condition_event = new_events(cast_a, start)
    assert status_event.changes == {"status": ["exploring", "active"]}
    assert condition_event.object_type == "partners.collectiveimpactcondition"
    assert condition_event.changes == {
        "in_place": [False, True],
        "evidence": ["", "Signed charter"],
    }
    assert condition_event.partnership_id == partnership.pk


def test_member_add_update_and_remove(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Members",
            model=PartnershipModel.CROSS_SECTOR,
        )
        start = last_event_id(cast_a.workspace)
        member = partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            organization=cast_a.organization,
            roles=[MemberRole.IMPLEMENTER],
            joined_on=date(2026, 1, 5),
        )
        partnership_member_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            member=member,
            roles=[MemberRole.IMPLEMENTER, MemberRole.FUNDER],
        )
        partnership_member_remove(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            member=member,
            left_on=date(2026, 2, 1),
        )
    added, changed, removed = new_events(cast_a, start)
    assert added.action == EventAction.CREATE
    assert added.changes == {
        "organization": cast_a.organization.pk,
        "roles": [MemberRole.IMPLEMENTER],
        "joined_on": "2026-01-05",
    }
    assert changed.action == EventAction.UPDATE
    assert list(changed.changes) == ["roles"]  # joined_on did not change
    before, after = changed.changes["roles"]
    assert before == [MemberRole.IMPLEMENTER]
    assert set(after) == {MemberRole.IMPLEMENTER, MemberRole.FUNDER}
    assert removed.changes == {"left_on": [None, "2026-02-01"]}
    assert {e.object_id for e in (added, changed, removed)} == {member.pk}
    assert {e.partnership_id for e in (added, changed, removed)} == {partnership.pk}


def test_commitments_and_deliveries(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Ledger",
            model=PartnershipModel.CROSS_SECTOR,
        )
        member = partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            organization=cast_a.organization,
            roles=[MemberRole.FUNDER],
        )
        start = last_event_id(cast_a.workspace)
        commitment = commitment_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            member=member,
            kind=CommitmentKind.CASH,
            pledged=Decimal("1000"),
            currency="EUR",
            pledged_on=date(2026, 1, 1),
        )
        commitment_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            commitment=commitment,
            pledged=Decimal("1500"),
            currency="EUR",
        )
        delivery = delivery_record(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            commitment=commitment,
            amount=Decimal("250.50"),
            delivered_on=date(2026, 1, 10),
        )
    created, updated, delivered = new_events(cast_a, start)
    assert created.object_type == "partners.commitment"
    assert created.changes["pledged"] == "1000.00"
    assert created.changes["currency"] == "EUR"
    assert created.changes["member"] == member.pk
    assert updated.changes == {"pledged": ["1000.00", "1500.00"]}
    assert delivered.object_type == "partners.commitmentdelivery"
    assert delivered.object_id == delivery.pk
    assert delivered.changes["amount"] == "250.50"
    assert {e.partnership_id for e in (created, updated, delivered)} == {partnership.pk}


def test_document_upload_and_delete_keeps_the_object_id(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        partnership = partnership_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Papers",
            model=PartnershipModel.CROSS_SECTOR,
        )
        start = last_event_id(cast_a.workspace)
        document = document_upload(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            file=upload("mou.pdf", PDF_BYTES),
            title="Memorandum",
        )
        document_pk = document.pk
        document_delete(workspace=cast_a.workspace, actor=cast_a.admin, document=document)
    uploaded, deleted = new_events(cast_a, start)
    assert uploaded.action == EventAction.CREATE
    assert uploaded.changes["title"] == "Memorandum"
    assert deleted.action == EventAction.DELETE
    assert deleted.object_id == document_pk
    assert deleted.actor_user == cast_a.admin
    assert deleted.changes["title"] == "Memorandum"
    assert deleted.changes["original_name"] == "mou.pdf"
    assert deleted.partnership_id == partnership.pk
    assert deleted.object_repr == "Memorandum"


def test_organizations_are_on_the_trail(cast_a: Cast):
    with workspace_context(cast_a.workspace):
        organization = organization_create(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            name="Harbour Trust",
            sector="nonprofit",
        )
        org_pk = organization.pk
        values = organization_values(organization)
        organization_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            organization=organization,
            **{**values, "mission": "Clean harbours"},
        )
        organization_delete(
            workspace=cast_a.workspace, actor=cast_a.coordinator, organization=organization
        )
    created, updated, deleted = events_of(cast_a.workspace, object_type="partners.organization")
    assert created.changes["name"] == "Harbour Trust"
    assert updated.changes == {"mission": ["", "Clean harbours"]}
    assert deleted.action == EventAction.DELETE and deleted.object_id == org_pk
    assert {e.partnership_id for e in (created, updated, deleted)} == {None}


# --- Through the API: the actor is the person or the key --------------------------------


def key_client(cast: Cast) -> tuple[Client, object]:
    key, raw = api_key_create(
        workspace=cast.workspace, actor=cast.admin, name="CRM sync", scope=ApiKeyScope.WRITE
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), key


def test_an_api_key_is_recorded_as_the_actor(cast_a: Cast):
    client, key = key_client(cast_a)
    base = f"/api/v1/w/{cast_a.workspace.slug}"
    response = client.post(
        f"{base}/partnerships/",
        {"name": "Keyed", "model": PartnershipModel.CROSS_SECTOR},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.patch(
        f"{base}/partnerships/{pk}/", {"name": "Keyed again"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    created, updated = events_of(cast_a.workspace)
    for event in (created, updated):
        assert event.actor_key == key
        assert event.actor_user is None
        assert event.actor_label == "API key CRM sync"
        assert event.partnership_id == pk
    assert updated.changes == {"name": ["Keyed", "Keyed again"]}


def test_an_api_key_is_recorded_for_organizations_too(cast_a: Cast):
    client, key = key_client(cast_a)
    response = client.post(
        f"/api/v1/w/{cast_a.workspace.slug}/organizations/",
        {"name": "Keyed Org", "sector": "nonprofit"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    [event] = events_of(cast_a.workspace, object_type="partners.organization")
    assert event.actor_key == key and event.actor_user is None


def test_a_person_using_the_api_is_recorded_as_the_actor(cast_a: Cast):
    client = cast_a.client("coordinator")
    response = client.post(
        f"/api/v1/w/{cast_a.workspace.slug}/partnerships/",
        {"name": "By hand", "model": PartnershipModel.CROSS_SECTOR},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    [event] = events_of(cast_a.workspace)
    assert event.actor_user == cast_a.coordinator and event.actor_key is None


def test_a_person_using_the_pages_is_recorded_as_the_actor(cast_a: Cast):
    client = cast_a.client("coordinator")
    response = client.post(
        f"/w/{cast_a.workspace.slug}/partnerships/new/",
        {"name": "From the form", "model": PartnershipModel.CROSS_SECTOR, "status": "exploring"},
    )
    assert response.status_code == 302, response.content[:500]
    [event] = events_of(cast_a.workspace)
    assert event.actor_user == cast_a.coordinator
    assert event.changes["name"] == "From the form"
