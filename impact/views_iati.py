"""IATI activity XML downloads for members of the workspace (``impact.iati``): one
partnership's file and the workspace's file (204 when the caller sees no partnership).
Anything the caller may not see is a 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views import View

from impact.iati import CONTENT_TYPE, iati_filename, partnership_iati_xml, workspace_iati_xml
from partnerhub.web import WorkspaceViewMixin, get_or_404


def xml_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class PartnershipIatiView(WorkspaceViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        content = get_or_404(
            partnership_iati_xml, workspace=self.workspace, access=self.access, pk=kwargs["pk"]
        )
        return xml_response(content, iati_filename(f"partnership-{kwargs['pk']}"))


class WorkspaceIatiView(WorkspaceViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        content = workspace_iati_xml(workspace=self.workspace, access=self.access)
        if content is None:
            return HttpResponse(status=204)  # no partnership to export
        return xml_response(content, iati_filename(self.workspace.slug))
