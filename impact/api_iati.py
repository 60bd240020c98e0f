"""IATI activity XML through the API (``impact.iati``), for keys and sessions alike:
``/api/v1/w/<slug>/iati/activities.xml`` and ``/api/v1/w/<slug>/partnerships/<id>/iati.xml``.
The same selectors as the HTML download; anything not visible is a 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from impact.iati import CONTENT_TYPE, iati_filename, partnership_iati_xml, workspace_iati_xml
from partnerhub.api.base import WorkspaceAPIMixin
from partnerhub.api.renderers import FastJSONRenderer


class IatiXmlRenderer(BaseRenderer):
    """Lets ``Accept: application/xml`` through content negotiation; the views answer the
    XML themselves, and errors (a dict) stay JSON."""

    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        if isinstance(data, bytes):
            return data
        return FastJSONRenderer().render(data, accepted_media_type, renderer_context)


_XML_RESPONSE: dict[Any, OpenApiResponse] = {
    (200, "application/xml"): OpenApiResponse(
        response=OpenApiTypes.STR, description="IATI activity XML, standard version 2.03"
    )
}
_XML_OR_EMPTY: dict[Any, OpenApiResponse] = {
    **_XML_RESPONSE,
    204: OpenApiResponse(description="The caller sees no partnership: nothing to export"),
}


def _xml(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class WorkspaceIatiAPIView(WorkspaceAPIMixin, APIView):
    renderer_classes = [FastJSONRenderer, IatiXmlRenderer]

    @extend_schema(
        summary="IATI activity XML of every visible partnership",
        responses=_XML_OR_EMPTY,
        tags=["iati"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        content = workspace_iati_xml(workspace=self.workspace, access=self.access)
        if content is None:
            return HttpResponse(status=204)  # no partnership to export
        return _xml(content, iati_filename(self.workspace.slug))


class PartnershipIatiAPIView(WorkspaceAPIMixin, APIView):
    renderer_classes = [FastJSONRenderer, IatiXmlRenderer]

    @extend_schema(
        summary="IATI activity XML of one partnership",
        responses=_XML_RESPONSE,
        tags=["iati"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        content = self.get_object_or_404(
            partnership_iati_xml, workspace=self.workspace, access=self.access, pk=kwargs["pk"]
        )
        return _xml(content, iati_filename(f"partnership-{kwargs['pk']}"))
