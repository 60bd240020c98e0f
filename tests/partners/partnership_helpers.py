"""Builders shared by the partnership tests (through the services, as the app does)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from secrets import token_hex

from django.core.files.uploadedfile import SimpleUploadedFile

from partnerhub.models import ApiKeyScope
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import workspace_context
from partners.models import (
    CommitmentKind,
    MemberRole,
    Partnership,
    PartnershipModel,
)
from partners.services.commitments import commitment_create, delivery_record
from partners.services.partnerships import partnership_create, partnership_member_add
from tests.conftest import Cast
from tests.factories import OrganizationFactory

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def docx_bytes() -> bytes:
    """A minimal Word document: the parts a DOCX must have."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>MOU</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buffer.getvalue()


def odt_bytes(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    """A minimal OpenDocument text: ``mimetype`` first and stored, then the content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
            'opendocument:xmlns:office:1.0"/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_partnership(
    cast: Cast,
    *,
    name: str = "River Partnership",
    model: str = PartnershipModel.CROSS_SECTOR,
    with_partner_org: bool = True,
    **kwargs: object,
) -> Partnership:
    """A partnership of the cast's workspace; the cast's partner organization is a member
    unless told otherwise."""
    with workspace_context(cast.workspace):
        partnership = partnership_create(
            workspace=cast.workspace, actor=cast.coordinator, name=name, model=model, **kwargs
        )
        if with_partner_org:
            partnership_member_add(
                workspace=cast.workspace,
                actor=cast.coordinator,
                partnership=partnership,
                organization=cast.organization,
                roles=[MemberRole.IMPLEMENTER],
                joined_on=date(2026, 1, 1),
            )
    return partnership


def add_members_with_commitments(cast: Cast, partnership: Partnership, count: int) -> None:
    """``count`` more member organizations, each with a cash and a staff-time commitment
    and a delivery on each."""
    with workspace_context(cast.workspace):
        for _ in range(count):
            organization = OrganizationFactory(
                workspace=cast.workspace, name=f"{partnership.name} member {token_hex(4)}"
            )
            member = partnership_member_add(
                workspace=cast.workspace,
                actor=cast.coordinator,
                partnership=partnership,
                organization=organization,
                roles=[MemberRole.FUNDER, MemberRole.ADVISOR],
            )
            cash = commitment_create(
                workspace=cast.workspace,
                actor=cast.coordinator,
                member=member,
                kind=CommitmentKind.CASH,
                pledged=Decimal("1000"),
                currency="EUR",
                pledged_on=date(2026, 1, 1),
            )
            hours = commitment_create(
                workspace=cast.workspace,
                actor=cast.coordinator,
                member=member,
                kind=CommitmentKind.STAFF_TIME,
                pledged=Decimal("40"),
                pledged_on=date(2026, 1, 1),
            )
            for commitment in (cash, hours):
                delivery_record(
                    workspace=cast.workspace,
                    actor=cast.coordinator,
                    commitment=commitment,
                    amount=Decimal("10"),
                    delivered_on=date(2026, 2, 1),
                )


def api_key(cast: Cast, scope: str = ApiKeyScope.READ) -> str:
    _, raw = api_key_create(workspace=cast.workspace, actor=cast.admin, name=scope, scope=scope)
    return raw
