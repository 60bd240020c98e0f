"""Small input and output serializers of the core endpoints (me, workspace, members).

Output serializers only shape rows the selectors return; input serializers only parse and
validate a request body. Writes go through the services, never through ``save()`` here.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from partnerhub.models import ApiKeyScope, Role, Workspace
from partnerhub.organizations import organization_get

# --- /api/v1/me/ --------------------------------------------------------------------------


class MeWorkspaceSerializer(serializers.Serializer):
    slug = serializers.SlugField(source="workspace.slug")
    name = serializers.CharField(source="workspace.name")
    role = serializers.ChoiceField(choices=Role.choices)
    organization = serializers.IntegerField(
        source="organization_id",
        allow_null=True,
        help_text="The organization a partner represents; null for the other roles.",
    )


class MeUserSerializer(serializers.Serializer):
    """A person signed in with a session."""

    kind = serializers.ChoiceField(choices=[("user", "user")])
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    workspaces = MeWorkspaceSerializer(many=True)


class MeApiKeySerializer(serializers.Serializer):
    """A workspace's API key."""

    kind = serializers.ChoiceField(choices=[("api_key", "api_key")])
    prefix = serializers.CharField(help_text="The visible part of the key: phk_<prefix>_…")
    scope = serializers.ChoiceField(choices=ApiKeyScope.choices)
    workspace = serializers.SlugField(help_text="The slug of the key's workspace.")


# --- /api/v1/w/<slug>/ --------------------------------------------------------------------


class WorkspaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    timezone = serializers.CharField(help_text="An IANA time zone, e.g. Europe/Berlin.")
    require_mfa = serializers.BooleanField(
        help_text="Members must use two-factor authentication to see the workspace."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class WorkspaceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=Workspace._meta.get_field("name").max_length)
    timezone = serializers.CharField(
        max_length=64, help_text="An IANA time zone, e.g. Europe/Berlin."
    )
    require_mfa = serializers.BooleanField()

    def validate_timezone(self, value: str) -> str:
        if value not in _time_zones():
            raise serializers.ValidationError("Choose an IANA time zone such as Europe/Berlin.")
        return value


# --- /api/v1/w/<slug>/members/ ------------------------------------------------------------


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = UserBriefSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    organization = serializers.IntegerField(
        source="organization_id",
        allow_null=True,
        help_text="The organization a partner represents; null for the other roles.",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    organization = serializers.IntegerField(
        allow_null=True,
        required=False,
        min_value=1,
        help_text="Required for partners: the id of the organization the person represents.",
    )

    def validate_organization(self, value: int | None) -> Any:
        if value is None:
            return None
        workspace = self.context["workspace"]
        try:
            return organization_get(workspace=workspace, pk=value)
        except ObjectDoesNotExist as exc:  # the same answer for "missing" and "not yours"
            raise serializers.ValidationError("Choose an organization of this workspace.") from exc
