"""The admin's forms for webhook endpoints."""

from __future__ import annotations

from django import forms

from partnerhub.webhooks import EVENT_TYPES


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label="Payload URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where PartnerHub POSTs the JSON deliveries; https:// in production.",
    )
    description = forms.CharField(label="Description (optional)", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label="Events",
        choices=sorted(EVENT_TYPES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Which changes are delivered to this URL.",
    )


class WebhookEndpointEditForm(WebhookEndpointForm):
    active = forms.BooleanField(
        label="Active",
        required=False,
        help_text="An endpoint is turned off automatically after repeated failures; "
        "turn it on again once the receiver works.",
    )
