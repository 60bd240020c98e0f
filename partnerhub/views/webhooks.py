"""The admin's webhook pages: endpoints (the secret shown once), their delivery log,
test-sends and redeliveries."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView

from partnerhub.forms_webhooks import WebhookEndpointEditForm, WebhookEndpointForm
from partnerhub.models import User, WebhookEndpoint
from partnerhub.permissions import Action
from partnerhub.selectors_webhooks import (
    webhook_delivery_get,
    webhook_delivery_page,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from partnerhub.services.webhooks import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
    webhook_test_send,
)
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404


def _no_store(response: HttpResponse) -> HttpResponse:
    # The page holds a secret: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


class WebhookListView(WorkspaceViewMixin, FormView):
    """GET lists the endpoints with an empty form; a valid POST registers one and shows
    its secret in this one response only."""

    required_action = Action.MANAGE_WORKSPACE
    template_name = "partnerhub/webhooks/list.html"
    form_class = WebhookEndpointForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["endpoints"] = list(webhook_endpoint_list(workspace=self.workspace))
        return context

    def form_valid(self, form: WebhookEndpointForm) -> HttpResponse:
        try:
            endpoint, secret = webhook_endpoint_create(
                workspace=self.workspace,
                actor=cast(User, self.request.user),
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        context = self.get_context_data(
            form=self.form_class(), new_endpoint=endpoint, secret=secret
        )
        return _no_store(self.render_to_response(context))


class WebhookDetailView(WorkspaceViewMixin, FormView):
    """The endpoint's settings (POST saves them) and its delivery log, newest first."""

    required_action = Action.MANAGE_WORKSPACE
    template_name = "partnerhub/webhooks/detail.html"
    form_class = WebhookEndpointEditForm
    endpoint: WebhookEndpoint

    def _endpoint(self) -> WebhookEndpoint:
        if not hasattr(self, "endpoint"):
            self.endpoint = get_or_404(
                webhook_endpoint_get, workspace=self.workspace, pk=self.kwargs["pk"]
            )
        return self.endpoint

    def get_initial(self) -> dict[str, Any]:
        endpoint = self._endpoint()
        return {
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "active": endpoint.active,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        endpoint = self._endpoint()
        before = self.request.GET.get("before")
        deliveries, next_before = webhook_delivery_page(
            workspace=self.workspace,
            endpoint=endpoint,
            before=int(before) if before and before.isdigit() else None,
        )
        context.update(
            endpoint=endpoint,
            deliveries=deliveries,
            next_before=next_before,
            paged=bool(before),
        )
        return context

    def form_valid(self, form: WebhookEndpointEditForm) -> HttpResponse:
        try:
            webhook_endpoint_update(
                workspace=self.workspace,
                actor=cast(User, self.request.user),
                endpoint=self._endpoint(),
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                active=form.cleaned_data["active"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Webhook saved.")
        return redirect(
            "workspace_webhook_detail", workspace_slug=self.workspace.slug, pk=self.endpoint.pk
        )


class WebhookRotateSecretView(WebhookDetailView):
    """POST: a new secret, shown once on the endpoint's page."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        endpoint = self._endpoint()
        secret = webhook_endpoint_rotate_secret(
            workspace=self.workspace, actor=cast(User, request.user), endpoint=endpoint
        )
        context = self.get_context_data(form=self.get_form_class()(initial=self.get_initial()))
        context["secret"] = secret
        return _no_store(self.render_to_response(context))


class _EndpointAction(WorkspaceViewMixin, View):
    required_action = Action.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def endpoint(self) -> WebhookEndpoint:
        return get_or_404(webhook_endpoint_get, workspace=self.workspace, pk=self.kwargs["pk"])

    def back(self, endpoint: WebhookEndpoint) -> HttpResponse:
        return redirect(
            "workspace_webhook_detail", workspace_slug=self.workspace.slug, pk=endpoint.pk
        )


class WebhookTestView(_EndpointAction):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        endpoint = self.endpoint()
        try:
            webhook_test_send(
                workspace=self.workspace, actor=cast(User, request.user), endpoint=endpoint
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back(endpoint)
        messages.success(request, "A test delivery (ping) is on its way; see the log below.")
        return self.back(endpoint)


class WebhookDeleteView(_EndpointAction):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        endpoint = self.endpoint()
        webhook_endpoint_delete(
            workspace=self.workspace, actor=cast(User, request.user), endpoint=endpoint
        )
        messages.success(request, f"Webhook {endpoint.url} deleted.")
        return redirect("workspace_webhooks", workspace_slug=self.workspace.slug)


class WebhookRedeliverView(_EndpointAction):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        endpoint = self.endpoint()
        delivery = get_or_404(
            webhook_delivery_get,
            workspace=self.workspace,
            endpoint=endpoint,
            pk=self.kwargs["delivery_pk"],
        )
        try:
            webhook_delivery_redeliver(
                workspace=self.workspace, actor=cast(User, request.user), delivery=delivery
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back(endpoint)
        messages.success(request, f"Delivery {delivery.event_id} will be sent again.")
        return self.back(endpoint)
