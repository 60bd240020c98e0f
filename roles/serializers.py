"""Input and output shapes of the role assignment endpoints."""

from __future__ import annotations

from rest_framework import serializers

from roles.models import Raci, RoleAssignment


class RoleAssignmentSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "partnership",
            "goal",
            "milestone",
            "organization",
            "organization_name",
            "person",
            "raci",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RoleAssignmentCreateSerializer(serializers.Serializer):
    goal = serializers.IntegerField(
        required=False, allow_null=True, help_text="The goal's id (give a goal or a milestone)."
    )
    milestone = serializers.IntegerField(
        required=False, allow_null=True, help_text="The milestone's id."
    )
    organization = serializers.IntegerField(
        help_text="A current member organization of the item's partnership."
    )
    raci = serializers.ChoiceField(choices=Raci.choices)
    person = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Optional: a user who represents the organization in this workspace.",
    )
    replace_accountable = serializers.BooleanField(
        required=False,
        default=False,
        help_text="With raci A: move Accountable from the organization holding it (which "
        "becomes Responsible) instead of refusing.",
    )

    def validate(self, attrs: dict) -> dict:
        if (attrs.get("goal") is None) == (attrs.get("milestone") is None):
            raise serializers.ValidationError({"goal": "Give either a goal or a milestone."})
        return attrs


class RoleAssignmentUpdateSerializer(serializers.Serializer):
    raci = serializers.ChoiceField(choices=Raci.choices, required=False)
    person = serializers.IntegerField(required=False, allow_null=True)
    replace_accountable = serializers.BooleanField(required=False, default=False)
