"""Agreement document endpoints under /api/v1/w/<workspace_slug>/: metadata, upload,
deletion and the authorized download of the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from partnerhub.api.base import ETagRetrieveMixin, WorkspaceViewSet
from partnerhub.api.filters import IdFilter
from partnerhub.api.renderers import FastJSONRenderer
from partners.api.partnerships import (
    CSV_NOTE,
    DOCUMENT_ID,
    FORMAT,
    IF_NONE_MATCH,
    WORKSPACE_SLUG,
    PartnershipAPIMixin,
    detail_response,
    validated_input,
)
from partners.api.serializers_partnerships import DocumentSerializer, DocumentUploadSerializer
from partners.models import AgreementDocument, DocumentKind
from partners.selectors_partnerships import document_get, document_list, partnership_get
from partners.services.documents import document_delete, document_upload
from partners.uploads import attachment_response


class DocumentFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership", help_text="Partnership id.")
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, help_text="Only this kind.")

    class Meta:
        model = AgreementDocument
        fields = ["partnership", "kind"]


class FileRenderer(BaseRenderer):
    """Lets a download answer whatever file type the client asks for (``Accept: */*``,
    ``application/pdf``...); errors are still problem+json."""

    media_type = "*/*"
    format = "file"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return FastJSONRenderer().render(data, "application/json", renderer_context)


@extend_schema_view(
    list=extend_schema(
        operation_id="documents_list",
        summary="Agreement documents (metadata)",
        description="Each has a `download_url` answering the file itself." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: DocumentSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="documents_retrieve",
        summary="One agreement document (metadata)",
        parameters=[WORKSPACE_SLUG, DOCUMENT_ID, IF_NONE_MATCH],
        responses={200: DocumentSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="documents_create",
        summary="Upload an agreement document (multipart/form-data)",
        description="PDF, DOCX or ODT up to 10 MB; the type is checked from the file's content, "
        "never its name.",
        parameters=[WORKSPACE_SLUG],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
    ),
    destroy=extend_schema(
        operation_id="documents_destroy",
        summary="Delete an agreement document and its file",
        parameters=[WORKSPACE_SLUG, DOCUMENT_ID],
        responses={204: None},
    ),
)
class DocumentViewSet(
    PartnershipAPIMixin, ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet
):
    serializer_class = DocumentSerializer
    schema_model = AgreementDocument
    filterset_class = DocumentFilter
    parser_classes = [MultiPartParser]
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        return DocumentUploadSerializer if self.action == "create" else DocumentSerializer

    def get_renderers(self) -> list[BaseRenderer]:
        if getattr(self, "action", None) == "download":
            return [FastJSONRenderer(), FileRenderer()]
        return super().get_renderers()

    def workspace_queryset(self) -> Any:
        return document_list(workspace=self.workspace, access=self.access)

    def get_object(self) -> AgreementDocument:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            document_get, workspace=self.workspace, access=self.access, pk=self.kwargs["pk"]
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(DocumentUploadSerializer, request, self)
        try:
            partnership = partnership_get(
                workspace=self.workspace, access=self.access, pk=data.pop("partnership")
            )
        except ObjectDoesNotExist as exc:
            raise serializers.ValidationError(
                {"partnership": ["Choose a partnership of this workspace."]}
            ) from exc
        document = document_upload(
            workspace=self.workspace, actor=self.actor(), partnership=partnership, **data
        )
        location = reverse(
            "api_document-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": document.pk},
        )
        serializer = DocumentSerializer(document, context=self.get_serializer_context())
        return detail_response(
            serializer.data, status_code=status.HTTP_201_CREATED, Location=location
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        document_delete(workspace=self.workspace, actor=self.actor(), document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="documents_download",
        summary="Download the file (as an attachment)",
        parameters=[WORKSPACE_SLUG, DOCUMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="The file, with Content-Disposition: attachment and its detected "
                "Content-Type (application/pdf, DOCX or ODT).",
            )
        },
    )
    def download(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return attachment_response(self.get_object())
