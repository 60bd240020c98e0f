"""Agreement documents: upload checks by content and size, storage, download and access."""

from __future__ import annotations

import io
import zipfile

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from partners.models import AgreementDocument
from partners.services.documents import clean_original_name, document_delete, document_upload
from partners.uploads import (
    AGREEMENT_UPLOADS,
    DOCX,
    ODT,
    PDF,
    UploadRule,
    UploadValidator,
    detect_file_type,
    download_name,
)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.partners.partnership_helpers import (
    PDF_BYTES,
    PNG_BYTES,
    docx_bytes,
    make_partnership,
    odt_bytes,
    upload,
)

ELEVEN_MB = 11 * 1024 * 1024


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- Type detection and limits (no database) -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("mou.pdf", PDF_BYTES, PDF),
        ("contract.docx", docx_bytes(), DOCX),
        ("agreement.odt", odt_bytes(), ODT),
        # The name does not matter, only the content.
        ("agreement.txt", docx_bytes(), DOCX),
        ("no-extension", PDF_BYTES, PDF),
        ("scan.pdf", PNG_BYTES, None),
        ("fake.docx", b"PK\x03\x04 not really a zip", None),
        ("archive.docx", _zip({"readme.txt": b"hello"}), None),
        ("half.docx", _zip({"[Content_Types].xml": b"<Types/>"}), None),
        ("sheet.odt", odt_bytes(b"application/vnd.oasis.opendocument.spreadsheet"), None),
        ("late.odt", _zip({"content.xml": b"<x/>", "mimetype": ODT.content_type.encode()}), None),
        ("page.pdf", b"<html>%PDF-1.4</html>", None),
    ],
)
def test_type_comes_from_the_content(name, content, expected):
    assert detect_file_type(upload(name, content)) == expected


def test_accepted_files_pass_the_agreement_rule():
    for content, expected in ((PDF_BYTES, PDF), (docx_bytes(), DOCX), (odt_bytes(), ODT)):
        assert (
            AGREEMENT_UPLOADS.check(upload("x.bin", content, "application/octet-stream"))
            == expected
        )


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (PNG_BYTES, "wrong_type"),
        (b"", "empty"),
        (b"%PDF-1.4\n" + b"0" * ELEVEN_MB, "too_large"),
    ],
)
def test_refused_uploads(content, code):
    with pytest.raises(ValidationError) as exc_info:
        AGREEMENT_UPLOADS.check(upload("document.pdf", content))
    assert exc_info.value.code == code


def test_exactly_ten_megabytes_is_accepted():
    content = PDF_BYTES + b"0" * (10 * 1024 * 1024 - len(PDF_BYTES))
    assert AGREEMENT_UPLOADS.check(upload("big.pdf", content)) == PDF


def test_messages_say_what_to_do():
    with pytest.raises(ValidationError) as exc_info:
        AGREEMENT_UPLOADS.check(upload("scan.pdf", PNG_BYTES))
    assert exc_info.value.messages == [
        "This file is not a PDF, DOCX or ODT document (checked from its content, not its name)."
    ]
    with pytest.raises(ValidationError) as exc_info:
        AGREEMENT_UPLOADS.check(upload("big.pdf", b"%PDF-" + b"0" * ELEVEN_MB))
    assert exc_info.value.messages == ["The file is 11.0\xa0MB; the limit is 10.0\xa0MB."]


def test_the_validator_is_reusable_with_other_rules():
    pdf_only = UploadRule(types=(PDF,), max_bytes=1024)
    validator = UploadValidator.for_rule(pdf_only)
    validator(upload("a.pdf", PDF_BYTES))
    with pytest.raises(ValidationError):
        validator(upload("a.docx", docx_bytes()))
    with pytest.raises(ValidationError):
        validator(upload("a.pdf", PDF_BYTES + b"0" * 2048))
    # Plain values only, so a model field may use it in a migration.
    path, args, kwargs = validator.deconstruct()
    assert args == ()
    assert path == "partners.uploads.UploadValidator"
    assert kwargs == {"types": ("pdf",), "max_bytes": 1024}
    assert UploadValidator(**kwargs) == validator

    class EvidenceForm(forms.Form):
        file = forms.FileField(validators=[validator])

    assert not EvidenceForm(files={"file": upload("x.pdf", PNG_BYTES)}).is_valid()
    assert EvidenceForm(files={"file": upload("x.pdf", PDF_BYTES)}).is_valid()


def test_detection_leaves_the_file_at_its_start():
    file = upload("mou.docx", docx_bytes())
    detect_file_type(file)
    assert file.read(4) == b"PK\x03\x04"


def test_download_names():
    assert download_name("Signed MOU.pdf", PDF) == "Signed MOU.pdf"
    assert download_name("contract", DOCX) == "contract.docx"
    assert download_name("really-a-pdf.docx", PDF) == "really-a-pdf.docx.pdf"
    assert clean_original_name("C:\\Users\\me\\mou\x00.pdf") == "mou.pdf"
    assert clean_original_name("../../etc/passwd") == "passwd"


# --- The service ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_stores_under_a_random_name_and_keeps_the_original(cast_a, tenant):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        document = document_upload(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            file=upload("../Contract 2026.docx", docx_bytes(), "application/pdf"),
            kind="contract",
        )
    document.refresh_from_db()
    assert document.original_name == "Contract 2026.docx"
    assert document.title == "Contract 2026"
    assert document.content_type == DOCX.content_type  # detected, not the claimed type
    assert document.size == len(docx_bytes())
    assert document.uploaded_by == cast_a.coordinator
    assert "Contract" not in document.file.name
    assert document.file.name.startswith(f"agreements/{cast_a.workspace.pk}/")
    with document.file.open("rb") as stored:
        assert stored.read() == docx_bytes()


@pytest.mark.django_db
def test_refused_upload_stores_nothing(cast_a, tenant, tmp_path):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace), pytest.raises(ValidationError) as exc_info:
        document_upload(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            file=upload("scan.pdf", PNG_BYTES),
        )
    assert "file" in exc_info.value.message_dict
    assert not AgreementDocument.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.django_db
def test_delete_removes_the_file_once_committed(cast_a, tenant, django_capture_on_commit_callbacks):
    partnership = make_partnership(cast_a)
    with tenant(cast_a.workspace):
        document = document_upload(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            file=upload("mou.pdf", PDF_BYTES),
        )
    storage, name = document.file.storage, document.file.name
    with tenant(cast_a.workspace), django_capture_on_commit_callbacks(execute=True) as callbacks:
        document_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, document=document)
        assert storage.exists(name)  # not before the commit
    assert len(callbacks) == 1
    assert not storage.exists(name)
    assert not AgreementDocument.objects.exists()


# --- Download -------------------------------------------------------------------------------


def _uploaded(cast, tenant, partnership, name="Signed MOU.pdf", content=PDF_BYTES):  # type: ignore[no-untyped-def]
    with tenant(cast.workspace):
        return document_upload(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership,
            file=upload(name, content),
        )


def _download_url(cast, partnership, document) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "document_download",
        kwargs={"workspace_slug": cast.workspace.slug, "pk": partnership.pk, "doc_pk": document.pk},
    )


@pytest.mark.django_db
def test_download_is_an_attachment_with_nosniff(cast_a, tenant):
    partnership = make_partnership(cast_a)
    document = _uploaded(cast_a, tenant, partnership)
    response = cast_a.client("partner").get(_download_url(cast_a, partnership, document))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Signed MOU.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.django_db
def test_download_name_gets_the_real_extension(cast_a, tenant):
    partnership = make_partnership(cast_a)
    document = _uploaded(cast_a, tenant, partnership, name="minutes", content=odt_bytes())
    response = cast_a.client("viewer").get(_download_url(cast_a, partnership, document))
    assert response["Content-Disposition"] == 'attachment; filename="minutes.odt"'
    assert response["Content-Type"] == ODT.content_type


@pytest.mark.django_db
def test_partner_of_a_non_member_organization_gets_404(cast_a, tenant):
    partnership = make_partnership(cast_a, with_partner_org=False)
    document = _uploaded(cast_a, tenant, partnership)
    download = _download_url(cast_a, partnership, document)
    assert cast_a.client("partner").get(download).status_code == 404
    # A partner of a member organization may.
    member_org = OrganizationFactory(workspace=cast_a.workspace, name="Member org")
    from partnerhub.models import Role
    from partners.services.partnerships import partnership_member_add

    with tenant(cast_a.workspace):
        partnership_member_add(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            partnership=partnership,
            organization=member_org,
            roles=["funder"],
        )
    other_partner = UserFactory()
    MembershipFactory(
        user=other_partner, workspace=cast_a.workspace, role=Role.PARTNER, organization=member_org
    )
    from django.test import Client

    client = Client()
    client.force_login(other_partner)
    assert client.get(download).status_code == 200


@pytest.mark.django_db
def test_workspace_b_gets_404_on_a_download(cast_a, cast_b, tenant):
    partnership = make_partnership(cast_a)
    document = _uploaded(cast_a, tenant, partnership)
    client = cast_b.client("admin")
    assert client.get(_download_url(cast_a, partnership, document)).status_code == 404
    assert client.get(_download_url(cast_b, partnership, document)).status_code == 404


@pytest.mark.django_db
def test_a_document_through_another_partnership_is_404(cast_a, tenant):
    one = make_partnership(cast_a, name="One")
    two = make_partnership(cast_a, name="Two", with_partner_org=False)
    document = _uploaded(cast_a, tenant, two)
    # The partner may see "one" but the document belongs to "two".
    assert cast_a.client("partner").get(_download_url(cast_a, one, document)).status_code == 404
    assert cast_a.client("admin").get(_download_url(cast_a, one, document)).status_code == 404
