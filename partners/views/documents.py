"""Agreement document pages: upload, download (everyone who may see the partnership)
and deletion.

Thin views on the partnership bases of partners.views.partnerships: a partnership the
visitor may not see answers 404; changes need Action.EDIT_CONTENT (admins and
coordinators).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.views import View

from partnerhub.permissions import Action
from partnerhub.web import get_or_404
from partners.forms_partnerships import DocumentForm
from partners.selectors_partnerships import document_get
from partners.services.documents import document_delete, document_upload
from partners.uploads import attachment_response
from partners.views.partnerships import PartnershipFormView, PartnershipViewMixin


class DocumentUploadView(PartnershipFormView):
    form_class = DocumentForm
    heading = "Upload an agreement"
    submit_label = "Upload"
    intro = "A memorandum of understanding, a contract or another agreement of the partnership."

    def form_valid(self, form: DocumentForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            document = document_upload(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                partnership=self.partnership,
                file=data["file"],
                title=data["title"],
                kind=data["kind"],
            )
        except ValidationError as exc:
            return self.refused(form, exc)
        messages.success(self.request, f"“{document.title}” uploaded.")
        return HttpResponseRedirect(self.detail_url("documents"))


class DocumentDownloadView(PartnershipViewMixin, View):
    """The file, as an attachment, for everyone who may see the partnership."""

    http_method_names = ["get", "head"]

    def get(  # type: ignore[override]  # a streamed file, not an HttpResponse
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        partnership = self.load_partnership()
        document = get_or_404(
            document_get,
            workspace=self.workspace,
            access=self.access,
            partnership=partnership,
            pk=kwargs["doc_pk"],
        )
        return attachment_response(document)


class DocumentDeleteView(PartnershipViewMixin, View):
    required_action = Action.EDIT_CONTENT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        partnership = self.load_partnership()
        document = get_or_404(
            document_get,
            workspace=self.workspace,
            access=self.access,
            partnership=partnership,
            pk=kwargs["doc_pk"],
        )
        document_delete(workspace=self.workspace, actor=request.user, document=document)  # type: ignore[arg-type]
        messages.success(request, f"“{document.title}” deleted.")
        return HttpResponseRedirect(self.detail_url("documents"))
