"""Agreement documents (MOUs, contracts): upload and delete.

Files are checked by ``partners.uploads`` (type from the content, size limit), stored
through Django's storage API under a random name (any configured storage works, e.g.
S3-compatible), and keep the uploaded name only as metadata.
"""

from __future__ import annotations

import logging
import unicodedata

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from partnerhub.models import EventAction, Workspace
from partnerhub.services.activity import record_event, snapshot
from partners.models import AgreementDocument, DocumentKind, Partnership
from partners.services.partnerships import Actor, actor_label, actor_user, check_in_workspace
from partners.uploads import AGREEMENT_UPLOADS, UploadedFileLike

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 200
DOCUMENT_FIELDS = ("title", "kind", "original_name", "content_type", "size")


def clean_original_name(name: str | None) -> str:
    """The uploaded file's own name without any folder part or control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return (base or "document")[:255]


def document_upload(
    *,
    workspace: Workspace,
    actor: Actor | None,
    partnership: Partnership,
    file: UploadedFileLike,
    title: str = "",
    kind: str = DocumentKind.MOU,
) -> AgreementDocument:
    """Check and store an agreement document of the partnership."""
    check_in_workspace(
        workspace, partnership, "partnership", "Choose a partnership of this workspace."
    )
    errors: dict[str, object] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = "Choose the kind of agreement."
    try:
        file_type = AGREEMENT_UPLOADS.check(file)
    except ValidationError as exc:
        errors["file"] = exc
    original_name = clean_original_name(file.name)
    title = title.strip() or original_name.rsplit(".", 1)[0] or original_name
    if len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"Use at most {TITLE_MAX_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    document = AgreementDocument(
        workspace=workspace,
        partnership=partnership,
        title=title,
        kind=kind,
        original_name=original_name,
        content_type=file_type.content_type,
        size=int(file.size or 0),
        uploaded_by=actor_user(actor),
    )
    # Stored under a random name from the model's upload_to; the original is metadata only.
    document.file.save(original_name, File(file), save=False)  # type: ignore[arg-type]
    stored = str(document.file.name)
    try:
        with transaction.atomic():
            document.save()
            record_event(
                workspace=workspace,
                actor=actor,
                action=EventAction.CREATE,
                target=document,
                changes=snapshot(document, DOCUMENT_FIELDS),
                partnership_id=document.partnership_id,
                object_repr=document.title,
            )
    except Exception:
        # The row was not written: the stored file would be an orphan. (A rollback of an
        # enclosing transaction after this point still leaves one; storage has no undo.)
        document.file.storage.delete(stored)
        raise
    logger.info(
        "document %s uploaded to partnership %s by %s",
        document.pk,
        partnership.pk,
        actor_label(actor),
        extra={"workspace": workspace.slug},
    )
    return document


def document_delete(
    *, workspace: Workspace, actor: Actor | None, document: AgreementDocument
) -> None:
    """Delete the document; its file leaves the storage once the deletion is committed."""
    check_in_workspace(workspace, document, "document", "Choose a document of this workspace.")
    storage = document.file.storage
    stored = str(document.file.name)
    pk = document.pk
    with transaction.atomic():
        last_values = snapshot(document, DOCUMENT_FIELDS)
        document.delete()
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.DELETE,
            target=document,
            changes=last_values,
            partnership_id=document.partnership_id,
            object_id=pk,
            object_repr=document.title,
        )
        transaction.on_commit(lambda: storage.delete(stored))
    logger.info(
        "document %s deleted by %s", pk, actor_label(actor), extra={"workspace": workspace.slug}
    )
