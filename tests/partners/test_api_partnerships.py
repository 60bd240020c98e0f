"""The partnership endpoints: scopes, partner visibility, workspace isolation, writes through
the services, documents, CSV, the OpenAPI document and query counts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.models import ApiKey, ApiKeyScope
from partnerhub.tenancy import workspace_context
from partners.models import (
    AgreementDocument,
    Commitment,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatusChange,
)
from partners.services.commitments import commitment_create
from partners.services.documents import document_upload
from tests.factories import OrganizationFactory
from tests.partners.partnership_helpers import (
    PDF_BYTES,
    PNG_BYTES,
    add_members_with_commitments,
    api_key,
    docx_bytes,
    make_partnership,
    upload,
)

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def api(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def key_client(cast, scope: str = ApiKeyScope.READ) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(cast, scope)}")


def post_json(client: Client, url: str, data: dict) -> object:
    return client.post(url, data, content_type="application/json")


def patch_json(client: Client, url: str, data: dict) -> object:
    return client.patch(url, data, content_type="application/json")


def _member(cast, partnership) -> PartnershipMember:  # type: ignore[no-untyped-def]
    return PartnershipMember.objects.get(partnership=partnership, organization=cast.organization)


def _commitment(cast, partnership, **values) -> Commitment:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return commitment_create(
            workspace=cast.workspace,
            actor=cast.coordinator,
            member=_member(cast, partnership),
            **{"kind": "cash", "pledged": Decimal("100"), "currency": "EUR", **values},
        )


def _document(cast, partnership) -> AgreementDocument:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return document_upload(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership,
            file=upload("mou.pdf", PDF_BYTES),
        )


# --- Scopes and isolation -------------------------------------------------------------------


def test_read_key_reads_everything_but_gets_403_on_writes(cast_a):
    partnership = make_partnership(cast_a)
    commitment = _commitment(cast_a, partnership)
    document = _document(cast_a, partnership)
    member = _member(cast_a, partnership)
    client = key_client(cast_a)
    for name, kwargs in [
        ("api_partnership-list", {}),
        ("api_partnership-detail", {"pk": partnership.pk}),
        ("api_partnership-status-changes", {"partnership_pk": partnership.pk}),
        ("api_partnership-members", {"partnership_pk": partnership.pk}),
        ("api_partnership_member-list", {}),
        ("api_partnership_member-detail", {"pk": member.pk}),
        ("api_commitment-list", {}),
        ("api_commitment-detail", {"pk": commitment.pk}),
        ("api_commitment-deliveries", {"commitment_pk": commitment.pk}),
        ("api_partnership-commitment-totals", {"pk": partnership.pk}),
        ("api_document-list", {}),
        ("api_document-detail", {"pk": document.pk}),
        ("api_document-download", {"pk": document.pk}),
    ]:
        assert client.get(api(name, cast_a, **kwargs)).status_code == 200, name
    writes = [
        ("post", api("api_partnership-list", cast_a), {"name": "X", "model": "other"}),
        ("patch", api("api_partnership-detail", cast_a, pk=partnership.pk), {"name": "Y"}),
        ("post", api("api_partnership-status", cast_a, pk=partnership.pk), {"status": "active"}),
        (
            "post",
            api("api_partnership-members", cast_a, partnership_pk=partnership.pk),
            {"organization": cast_a.other_organization.pk, "roles": ["funder"]},
        ),
        (
            "patch",
            api("api_partnership_member-detail", cast_a, pk=member.pk),
            {"roles": ["funder"]},
        ),
        ("delete", api("api_partnership_member-detail", cast_a, pk=member.pk), {}),
        ("post", api("api_commitment-list", cast_a), {"member": member.pk, "kind": "staff_time"}),
        ("patch", api("api_commitment-detail", cast_a, pk=commitment.pk), {"pledged": "5"}),
        (
            "post",
            api("api_commitment-deliveries", cast_a, commitment_pk=commitment.pk),
            {"amount": "5"},
        ),
        ("delete", api("api_document-detail", cast_a, pk=document.pk), {}),
    ]
    for method, url, data in writes:
        response = getattr(client, method)(url, data, content_type="application/json")
        assert response.status_code == 403, (method, url)
        assert response["Content-Type"] == PROBLEM
    upload_response = client.post(
        api("api_document-list", cast_a),
        {"partnership": partnership.pk, "file": upload("a.pdf", PDF_BYTES)},
    )
    assert upload_response.status_code == 403
    assert AgreementDocument.objects.count() == 1
    assert PartnershipMember.objects.filter(left_on__isnull=True).count() == 1


def test_key_of_workspace_b_gets_404_on_a(cast_a, cast_b):
    partnership = make_partnership(cast_a)
    document = _document(cast_a, partnership)
    client = key_client(cast_b, ApiKeyScope.WRITE)
    assert client.get(api("api_partnership-list", cast_a)).status_code == 404
    # B's own workspace in the URL, A's objects: not found in B.
    for name, kwargs in [
        ("api_partnership-detail", {"pk": partnership.pk}),
        ("api_partnership-members", {"partnership_pk": partnership.pk}),
        ("api_document-download", {"pk": document.pk}),
    ]:
        response = client.get(api(name, cast_b, **kwargs))
        assert response.status_code == 404, name
        assert response["Content-Type"] == PROBLEM
    response = post_json(
        client, api("api_partnership-status", cast_b, pk=partnership.pk), {"status": "active"}
    )
    assert response.status_code == 404
    assert not PartnershipStatusChange.objects.filter(to_status="active").exists()
    # And B's list shows nothing of A.
    assert client.get(api("api_partnership-list", cast_b)).json()["results"] == []


def test_partners_see_only_their_organizations_partnerships(cast_a):
    own = make_partnership(cast_a, name="Own")
    other = make_partnership(cast_a, name="Other", with_partner_org=False)
    with workspace_context(cast_a.workspace):
        from partners.services.partnerships import partnership_member_add

        other_member = partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=other,
            organization=cast_a.other_organization,
            roles=["funder"],
        )
    _commitment(cast_a, own)
    _document(cast_a, own)
    other_document = _document(cast_a, other)
    client = cast_a.client("partner")
    names = [p["name"] for p in client.get(api("api_partnership-list", cast_a)).json()["results"]]
    assert names == ["Own"]
    assert client.get(api("api_partnership-detail", cast_a, pk=other.pk)).status_code == 404
    assert (
        client.get(api("api_partnership-members", cast_a, partnership_pk=other.pk)).status_code
        == 404
    )
    assert (
        client.get(api("api_partnership_member-detail", cast_a, pk=other_member.pk)).status_code
        == 404
    )
    members = client.get(api("api_partnership_member-list", cast_a)).json()["results"]
    assert {m["partnership"] for m in members} == {own.pk}
    commitments = client.get(api("api_commitment-list", cast_a)).json()["results"]
    assert {c["partnership"] for c in commitments} == {own.pk}
    documents = client.get(api("api_document-list", cast_a)).json()["results"]
    assert {d["partnership"] for d in documents} == {own.pk}
    assert client.get(api("api_document-download", cast_a, pk=other_document.pk)).status_code == 404
    # A viewer (and any key) sees all.
    assert (
        len(cast_a.client("viewer").get(api("api_partnership-list", cast_a)).json()["results"]) == 2
    )


# --- Partnerships ---------------------------------------------------------------------------


def test_write_key_creates_updates_and_changes_status(cast_a):
    client = key_client(cast_a, ApiKeyScope.WRITE)
    response = post_json(
        client,
        api("api_partnership-list", cast_a),
        {
            "name": "Clean Air Coalition",
            "model": "collective_impact",
            "needs": ["data", "funding"],
            "lead_organization": cast_a.other_organization.pk,
            "start_date": "2026-02-01",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == api("api_partnership-detail", cast_a, pk=body["id"])
    assert response["ETag"]
    assert body["status"] == "exploring"
    assert body["needs"] == ["funding", "data"]
    assert body["lead_organization"] == {"id": cast_a.other_organization.pk, "name": "Org A2"}
    assert body["member_count"] == 1
    detail = api("api_partnership-detail", cast_a, pk=body["id"])
    changed = patch_json(client, detail, {"common_agenda": "Cleaner air by 2030"})
    assert changed.status_code == 200
    assert changed.json()["common_agenda"] == "Cleaner air by 2030"
    assert changed.json()["name"] == "Clean Air Coalition"
    refused = patch_json(client, detail, {"status": "active"})
    assert refused.status_code == 400
    status = post_json(
        client, api("api_partnership-status", cast_a, pk=body["id"]), {"status": "active"}
    )
    assert status.status_code == 201
    assert status.json()["to_status"] == "active"
    key = ApiKey.objects.get(workspace=cast_a.workspace, scope=ApiKeyScope.WRITE)
    change = PartnershipStatusChange.objects.get(partnership_id=body["id"], to_status="active")
    assert change.changed_by_key == key
    assert change.changed_by is None
    history = client.get(
        api("api_partnership-status-changes", cast_a, partnership_pk=body["id"])
    ).json()["results"]
    assert [h["to_status"] for h in history] == ["exploring", "active"]
    assert history[1]["changed_by_key"]["prefix"] == key.prefix
    conditions = client.get(api("api_partnership-conditions", cast_a, partnership_pk=body["id"]))
    assert [c["condition"] for c in conditions.json()][:2] == [
        "common_agenda",
        "shared_measurement",
    ]
    updated = patch_json(
        client,
        api(
            "api_partnership-condition",
            cast_a,
            partnership_pk=body["id"],
            condition="backbone_support",
        ),
        {"in_place": True, "evidence": "Backbone staff hired"},
    )
    assert updated.status_code == 200
    assert updated.json()["in_place"] is True


def test_status_rules_answer_problems_with_field_errors(cast_a):
    partnership = make_partnership(cast_a)
    client = cast_a.client("coordinator")
    url = api("api_partnership-status", cast_a, pk=partnership.pk)
    response = post_json(client, url, {"status": "dissolved"})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "reason" in response.json()["errors"]
    response = post_json(client, url, {"status": "exploring"})
    assert "status" in response.json()["errors"]
    assert post_json(client, url, {"status": "dissolved", "reason": "Merged"}).status_code == 201
    response = post_json(client, url, {"status": "forming", "reason": "again"})
    assert "only be reopened as active" in response.json()["errors"]["status"][0]


def test_create_validation_and_workspace_of_the_lead(cast_a, cast_b):
    client = cast_a.client("coordinator")
    response = post_json(
        client,
        api("api_partnership-list", cast_a),
        {"name": "X", "model": "other", "lead_organization": cast_b.organization.pk},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "lead_organization": ["Choose an organization of this workspace."]
    }
    response = post_json(
        client,
        api("api_partnership-list", cast_a),
        {"name": "X", "model": "other", "start_date": "2026-05-01", "end_date": "2026-01-01"},
    )
    assert response.json()["errors"] == {
        "end_date": ["The end date cannot be before the start date."]
    }


def test_partnership_filters_ordering_etag_and_updated_since(cast_a):
    alpha = make_partnership(cast_a, name="Alpha", model=PartnershipModel.PUBLIC_PRIVATE)
    make_partnership(
        cast_a,
        name="Beta",
        with_partner_org=False,
        lead_organization=cast_a.other_organization,
    )
    client = key_client(cast_a)
    url = api("api_partnership-list", cast_a)

    def names(**params):  # type: ignore[no-untyped-def]
        return [p["name"] for p in client.get(url, params).json()["results"]]

    assert names(model="public_private") == ["Alpha"]
    assert names(organization=cast_a.other_organization.pk) == ["Beta"]
    assert names(status="exploring", ordering="-name") == ["Beta", "Alpha"]
    assert client.get(url, {"status": "bogus"}).status_code == 400
    detail = api("api_partnership-detail", cast_a, pk=alpha.pk)
    first = client.get(detail)
    assert client.get(detail, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    since = first.json()["updated_at"]
    assert names(updated_since=since) == ["Alpha", "Beta"]  # both moved since then
    # A member joining moves the partnership (its member count changed).
    with workspace_context(cast_a.workspace):
        from partners.services.partnerships import partnership_member_add

        partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=alpha,
            organization=OrganizationFactory(workspace=cast_a.workspace, name="Late joiner"),
            roles=["advisor"],
        )
    later = client.get(detail)
    assert later["ETag"] != first["ETag"]
    assert later.json()["member_count"] == 2
    assert names(updated_since=later.json()["updated_at"]) == ["Alpha"]


# --- Members ------------------------------------------------------------------------------


def test_members_join_change_leave_and_rejoin(cast_a):
    partnership = make_partnership(cast_a)
    client = key_client(cast_a, ApiKeyScope.WRITE)
    nested = api("api_partnership-members", cast_a, partnership_pk=partnership.pk)
    added = post_json(
        client, nested, {"organization": cast_a.other_organization.pk, "roles": ["funder", "lead"]}
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["roles"] == ["lead", "funder"]
    assert body["iati_roles"] == [1, 2]
    assert body["is_current"] is True
    again = post_json(
        client, nested, {"organization": cast_a.other_organization.pk, "roles": ["funder"]}
    )
    assert again.status_code == 400
    assert "already a member" in again.json()["errors"]["organization"][0]
    detail = api("api_partnership_member-detail", cast_a, pk=body["id"])
    assert patch_json(client, detail, {"roles": ["advisor"]}).json()["iati_roles"] == [3]
    assert client.delete(detail).status_code == 204
    left = client.get(detail).json()
    assert left["is_current"] is False and left["left_on"]
    rejoined = post_json(
        client, nested, {"organization": cast_a.other_organization.pk, "roles": ["evaluator"]}
    )
    assert rejoined.status_code == 201
    current = client.get(nested, {"current": "true"}).json()["results"]
    assert len(current) == 2
    everyone = client.get(nested).json()["results"]
    assert len(everyone) == 3


# --- Commitments --------------------------------------------------------------------------


def test_commitments_deliveries_and_totals(cast_a):
    partnership = make_partnership(cast_a)
    member = _member(cast_a, partnership)
    client = cast_a.client("coordinator")
    refused = post_json(
        client,
        api("api_commitment-list", cast_a),
        {"member": member.pk, "kind": "in_kind", "pledged": "300", "currency": "EUR"},
    )
    assert refused.status_code == 400
    assert "description" in refused.json()["errors"]
    created = post_json(
        client,
        api("api_commitment-list", cast_a),
        {"member": member.pk, "kind": "cash", "pledged": "250.00", "currency": "usd"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["currency"], body["pledged"], body["delivered"], body["over_delivered"]) == (
        "USD",
        "250.00",
        "0.00",
        False,
    )
    assert body["organization"] == {"id": cast_a.organization.pk, "name": "Org A1"}
    deliveries = api("api_commitment-deliveries", cast_a, commitment_pk=body["id"])
    for amount in ("200", "80.50"):
        assert post_json(client, deliveries, {"amount": amount}).status_code == 201
    assert post_json(client, deliveries, {"amount": "0"}).status_code == 400
    detail = client.get(api("api_commitment-detail", cast_a, pk=body["id"])).json()
    assert (detail["delivered"], detail["over_delivered"]) == ("280.50", True)
    assert len(client.get(deliveries).json()["results"]) == 2
    post_json(
        client,
        api("api_commitment-list", cast_a),
        {"member": member.pk, "kind": "staff_time", "pledged": "40"},
    )
    kinds = client.get(api("api_commitment-list", cast_a), {"kind": "staff_time"}).json()["results"]
    assert [c["kind"] for c in kinds] == ["staff_time"]
    totals = client.get(api("api_partnership-commitment-totals", cast_a, pk=partnership.pk)).json()
    assert [(t["kind"], t["unit"], t["pledged"], t["delivered"]) for t in totals["totals"]] == [
        ("cash", "USD", "250.00", "280.50"),
        ("staff_time", "hours", "40.00", "0.00"),
    ]
    assert totals["members"][0]["organization"]["name"] == "Org A1"
    kind_change = patch_json(
        client,
        api("api_commitment-detail", cast_a, pk=body["id"]),
        {"kind": "staff_time", "currency": ""},
    )
    assert kind_change.status_code == 400


def test_commitment_for_a_member_of_another_workspace_is_refused(cast_a, cast_b):
    partnership_b = make_partnership(cast_b)
    member_b = _member(cast_b, partnership_b)
    response = post_json(
        cast_a.client("coordinator"),
        api("api_commitment-list", cast_a),
        {"member": member_b.pk, "kind": "staff_time", "pledged": "4"},
    )
    assert response.status_code == 400
    assert "member" in response.json()["errors"]
    assert not Commitment.objects.exists()


# --- Documents ------------------------------------------------------------------------------


def test_document_upload_metadata_and_download(cast_a):
    partnership = make_partnership(cast_a)
    client = key_client(cast_a, ApiKeyScope.WRITE)
    response = client.post(
        api("api_document-list", cast_a),
        {
            "partnership": partnership.pk,
            "file": upload("Contract.docx", docx_bytes(), "text/plain"),
            "kind": "contract",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_name"] == "Contract.docx"
    assert body["content_type"].endswith("wordprocessingml.document")
    assert body["uploaded_by"] is None  # an API key uploaded it
    assert body["download_url"] == "http://testserver" + api(
        "api_document-download", cast_a, pk=body["id"]
    )
    download = key_client(cast_a).get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="Contract.docx"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == docx_bytes()
    pdf_accept = key_client(cast_a).get(body["download_url"], HTTP_ACCEPT="application/pdf")
    assert pdf_accept.status_code == 200
    listed = client.get(api("api_document-list", cast_a), {"partnership": partnership.pk})
    assert [d["id"] for d in listed.json()["results"]] == [body["id"]]
    assert client.delete(api("api_document-detail", cast_a, pk=body["id"])).status_code == 204
    assert not AgreementDocument.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PNG_BYTES, "not a PDF, DOCX or ODT document"),
        (b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024), "the limit is 10.0"),
    ],
)
def test_document_upload_is_checked(cast_a, content, message):
    partnership = make_partnership(cast_a)
    response = cast_a.client("coordinator").post(
        api("api_document-list", cast_a),
        {"partnership": partnership.pk, "file": upload("scan.pdf", content)},
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert message in response.json()["errors"]["file"][0]
    assert not AgreementDocument.objects.exists()


def test_upload_to_a_partnership_the_caller_cannot_see_is_refused(cast_a, cast_b):
    partnership_b = make_partnership(cast_b)
    response = cast_a.client("admin").post(
        api("api_document-list", cast_a),
        {"partnership": partnership_b.pk, "file": upload("a.pdf", PDF_BYTES)},
    )
    assert response.status_code == 400
    assert "partnership" in response.json()["errors"]


# --- CSV ------------------------------------------------------------------------------------


def _csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_list_endpoints_answer_csv(cast_a):
    partnership = make_partnership(cast_a, lead_organization=cast_a.other_organization)
    _commitment(cast_a, partnership)
    _document(cast_a, partnership)
    client = key_client(cast_a)
    rows = _csv_rows(client.get(api("api_partnership-list", cast_a), {"format": "csv"}))
    assert rows[0]["name"] == "River Partnership"
    assert rows[0]["lead_organization.name"] == "Org A2"
    assert rows[0]["member_count"] == "2"
    rows = _csv_rows(client.get(api("api_commitment-list", cast_a), HTTP_ACCEPT="text/csv"))
    assert (rows[0]["organization.name"], rows[0]["pledged"], rows[0]["currency"]) == (
        "Org A1",
        "100.00",
        "EUR",
    )
    members = _csv_rows(client.get(api("api_partnership_member-list", cast_a), {"format": "csv"}))
    assert {m["roles"] for m in members} == {"lead", "implementer"}
    documents = _csv_rows(client.get(api("api_document-list", cast_a), {"format": "csv"}))
    assert documents[0]["download_url"].endswith("/download/")
    # Details stay JSON.
    detail = client.get(api("api_partnership-detail", cast_a, pk=partnership.pk), {"format": "csv"})
    assert detail.status_code == 404  # no CSV form of one object: an unknown format


# --- Query counts -------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_list_endpoints_query_counts_do_not_grow(cast_a):
    partnership = make_partnership(cast_a)
    add_members_with_commitments(cast_a, partnership, 1)
    _document(cast_a, partnership)
    commitment = Commitment.objects.filter(partnership=partnership).first()
    client = key_client(cast_a)
    urls = [
        api("api_partnership-list", cast_a),
        api("api_partnership_member-list", cast_a),
        api("api_partnership-members", cast_a, partnership_pk=partnership.pk),
        api("api_commitment-list", cast_a),
        api("api_commitment-deliveries", cast_a, commitment_pk=commitment.pk),
        api("api_document-list", cast_a),
        api("api_partnership-status-changes", cast_a, partnership_pk=partnership.pk),
        api("api_partnership-commitment-totals", cast_a, pk=partnership.pk),
    ]
    client.get(urls[0])  # the key's first use is recorded once, outside the measurement
    few = {url: _queries(client, url) for url in urls}
    for i in range(4):
        make_partnership(cast_a, name=f"More {i}")
    add_members_with_commitments(cast_a, partnership, 5)
    for _ in range(3):
        _document(cast_a, partnership)
    from partners.services.commitments import delivery_record

    with workspace_context(cast_a.workspace):
        for _ in range(3):
            delivery_record(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                commitment=commitment,
                amount=1,
            )
    many = {url: _queries(client, url) for url in urls}
    assert many == few
    # The partnership list: [SAVEPOINT], the key, [set_config], one page, [RELEASE].
    assert few[urls[0]] <= 5


# --- OpenAPI ----------------------------------------------------------------------------------


def test_every_partnership_endpoint_is_in_the_schema(tmp_path: Path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    prefix = "/api/v1/w/{workspace_slug}/"
    expected = {
        "partnerships/": {"get", "post"},
        "partnerships/{id}/": {"get", "patch"},
        "partnerships/{id}/status/": {"post"},
        "partnerships/{id}/commitment-totals/": {"get"},
        "partnerships/{partnership_pk}/status-changes/": {"get"},
        "partnerships/{partnership_pk}/conditions/": {"get"},
        "partnerships/{partnership_pk}/conditions/{condition}/": {"patch"},
        "partnerships/{partnership_pk}/members/": {"get", "post"},
        "partnership-members/": {"get"},
        "partnership-members/{id}/": {"get", "patch", "delete"},
        "commitments/": {"get", "post"},
        "commitments/{id}/": {"get", "patch"},
        "commitments/{commitment_pk}/deliveries/": {"get", "post"},
        "documents/": {"get", "post"},
        "documents/{id}/": {"get", "delete"},
        "documents/{id}/download/": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[prefix + path]) >= methods, path
    upload_body = paths[prefix + "documents/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
    names = {p["name"] for p in paths[prefix + "commitments/"]["get"]["parameters"]}
    assert {
        "partnership",
        "member",
        "kind",
        "updated_since",
        "cursor",
        "ordering",
        "format",
    } <= names
