"""Checks for uploaded files: the type comes from the file's content, never from its name.

A browser's claimed content type and the file name are both chosen by the uploader, so
neither is trusted. The first bytes (and, for the ZIP-based office formats, the ZIP's
table of contents) decide what a file is:

- PDF: starts with ``%PDF-``;
- DOCX: a ZIP archive holding ``[Content_Types].xml`` and ``word/document.xml``;
- ODT: a ZIP archive whose first entry is ``mimetype`` holding
  ``application/vnd.oasis.opendocument.text``.

``UploadRule`` bundles the accepted types and the size limit; ``AGREEMENT_UPLOADS`` is
the rule for agreement documents, and other features (evidence files) make their own rule
from the same building blocks. ``UploadValidator`` wraps a rule as a Django validator for
form and model fields.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO, Any, Protocol

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    content_type: str
    extension: str


PDF = FileType("pdf", "PDF", "application/pdf", ".pdf")
DOCX = FileType(
    "docx",
    "Word document (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
)
ODT = FileType("odt", "OpenDocument text (ODT)", ODT_MIMETYPE.decode(), ".odt")
FILE_TYPES: tuple[FileType, ...] = (PDF, DOCX, ODT)


class UploadedFileLike(Protocol):
    """What the checks need of an upload: Django's UploadedFile and File both fit."""

    name: str | None
    size: int | None

    def seek(self, offset: int, whence: int = 0) -> int: ...
    def read(self, size: int = -1) -> bytes: ...


def _zip_type(stream: IO[bytes]) -> FileType | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            first = entries[0] if entries else None
            if first is not None and first.filename == "mimetype" and first.file_size < 100:
                # Read only this tiny entry: nothing else of the archive is unpacked.
                with archive.open(first) as member:
                    if member.read(100).strip() == ODT_MIMETYPE:
                        return ODT
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    return None


def detect_file_type(file: UploadedFileLike) -> FileType | None:
    """The type of ``file`` judged by its content (PDF, DOCX, ODT), or None."""
    file.seek(0)
    head = file.read(8)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"PK\x03\x04"):
            file.seek(0)
            return _zip_type(file)  # type: ignore[arg-type]
        return None
    finally:
        file.seek(0)


def _size_of(file: UploadedFileLike) -> int:
    if file.size is not None:
        return int(file.size)
    file.seek(0, 2)
    size = file.tell()  # type: ignore[attr-defined]
    file.seek(0)
    return int(size)


@dataclass(frozen=True)
class UploadRule:
    """Which types an upload may have and how large it may be."""

    types: tuple[FileType, ...]
    max_bytes: int

    @property
    def type_names(self) -> str:
        labels = [t.code.upper() for t in self.types]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]

    @property
    def accept(self) -> str:
        """For an <input type=file accept=...>: a hint to the browser, never a check."""
        return ",".join([t.extension for t in self.types] + [t.content_type for t in self.types])

    def describe(self) -> str:
        return f"{self.type_names}, up to {filesizeformat(self.max_bytes)}"

    def check(self, file: UploadedFileLike) -> FileType:
        """The file's detected type, or ValidationError (code ``empty``, ``too_large`` or
        ``wrong_type``) with a message a person can act on."""
        size = _size_of(file)
        if size == 0:
            raise ValidationError("The file is empty.", code="empty")
        if size > self.max_bytes:
            raise ValidationError(
                "The file is %(size)s; the limit is %(limit)s.",
                code="too_large",
                params={"size": filesizeformat(size), "limit": filesizeformat(self.max_bytes)},
            )
        detected = detect_file_type(file)
        if detected is None or detected not in self.types:
            raise ValidationError(
                "This file is not a %(types)s document (checked from its content, not its name).",
                code="wrong_type",
                params={"types": self.type_names},
            )
        return detected


AGREEMENT_UPLOADS = UploadRule(types=(PDF, DOCX, ODT), max_bytes=10 * 1024 * 1024)


@deconstructible
class UploadValidator:
    """A field validator enforcing an upload rule: ``FileField(validators=[...])``.

    Built from plain values (type codes and a byte limit) so that a model field using it
    can be written into a migration.
    """

    def __init__(self, types: tuple[str, ...] = ("pdf", "docx", "odt"), max_bytes: int = 0) -> None:
        self.types = tuple(types)
        self.max_bytes = max_bytes or AGREEMENT_UPLOADS.max_bytes
        self.rule = UploadRule(
            types=tuple(t for t in FILE_TYPES if t.code in self.types), max_bytes=self.max_bytes
        )

    @classmethod
    def for_rule(cls, rule: UploadRule) -> UploadValidator:
        return cls(types=tuple(t.code for t in rule.types), max_bytes=rule.max_bytes)

    def __call__(self, file: UploadedFileLike) -> None:
        self.rule.check(file)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadValidator) and other.rule == self.rule

    def __hash__(self) -> int:
        return hash(self.rule)


def download_name(original_name: str, file_type: FileType | None) -> str:
    """The name to offer on download: the uploaded name, with the extension of the type the
    content really has (so the receiving computer opens it with the right program)."""
    name = original_name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "document"
    if file_type is not None and not name.lower().endswith(file_type.extension):
        name = f"{name}{file_type.extension}"
    return name


def file_type_for(content_type: str) -> FileType | None:
    return next((t for t in FILE_TYPES if t.content_type == content_type), None)


def attachment_response(document: Any) -> FileResponse:
    """Stream a stored agreement document as a download (shared with the API)."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The file is missing from storage.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(document.original_name, file_type_for(document.content_type)),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
