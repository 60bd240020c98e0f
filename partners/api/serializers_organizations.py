"""Input and output serializers of the organization endpoints.

Output serializers shape rows the selectors return (traits prefetched); input
serializers only parse a request body. The rules live in the services
(``partners.services.organizations``), whose ValidationErrors become 400 problems.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.models import SDG_NAMES, Organization, OrganizationSize, Resource, Sector
from partners.selectors.organizations import traits_of


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    email = serializers.EmailField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class OrganizationSerializer(serializers.Serializer):
    """An organization of the directory (lists: without contacts)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    sector = serializers.ChoiceField(choices=Sector.choices)
    mission = serializers.CharField()
    website = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code, or empty.")
    region = serializers.CharField(help_text="Region or city.")
    size = serializers.CharField(help_text="micro, small, medium, large, or empty.")
    iati_identifier = serializers.CharField(help_text="IATI organisation identifier, or empty.")
    sdgs = serializers.SerializerMethodField(
        help_text="SDG numbers (1-17) the organization works on."
    )
    tags = serializers.SerializerMethodField(help_text="Free focus tags, lower case.")
    offers = serializers.SerializerMethodField(help_text="Resource codes the organization offers.")
    needs = serializers.SerializerMethodField(help_text="Resource codes the organization needs.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def _traits(self, obj: Organization) -> dict[str, list[Any]]:
        grouped = getattr(obj, "_traits_by_kind", None)
        if grouped is None:
            grouped = traits_of(obj)  # from the prefetched traits
            obj._traits_by_kind = grouped  # type: ignore[attr-defined]
        return grouped

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_sdgs(self, obj: Organization) -> list[int]:
        return self._traits(obj)["sdgs"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, obj: Organization) -> list[str]:
        return self._traits(obj)["tags"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_offers(self, obj: Organization) -> list[str]:
        return self._traits(obj)["offers"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_needs(self, obj: Organization) -> list[str]:
        return self._traits(obj)["needs"]


class OrganizationDetailSerializer(OrganizationSerializer):
    """An organization with its contacts."""

    contacts = ContactSerializer(many=True, source="contacts.all")


class ContactInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="An existing contact of this organization to keep (and update); "
        "leave out to add a contact.",
    )
    name = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class OrganizationWriteSerializer(serializers.Serializer):
    """An organization to create, or the fields to change (PATCH: any subset)."""

    name = serializers.CharField(max_length=200)
    sector = serializers.ChoiceField(choices=Sector.choices)
    mission = serializers.CharField(required=False, allow_blank=True)
    website = serializers.CharField(required=False, allow_blank=True, max_length=200)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    region = serializers.CharField(required=False, allow_blank=True, max_length=120)
    size = serializers.ChoiceField(
        choices=OrganizationSize.choices, required=False, allow_blank=True
    )
    iati_identifier = serializers.CharField(required=False, allow_blank=True, max_length=100)
    sdgs = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=max(SDG_NAMES)),
        required=False,
        help_text="SDG numbers; replaces the organization's SDGs.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        help_text="Free focus tags; replaces the organization's tags.",
    )
    offers = serializers.ListField(
        child=serializers.ChoiceField(choices=Resource.choices),
        required=False,
        help_text="Resource codes; replaces what the organization offers.",
    )
    needs = serializers.ListField(
        child=serializers.ChoiceField(choices=Resource.choices),
        required=False,
        help_text="Resource codes; replaces what the organization needs.",
    )
    contacts = ContactInputSerializer(
        many=True,
        required=False,
        help_text="The organization's contacts, all of them: items with an id update that "
        "contact, items without one are added, contacts left out are removed. Leave the "
        "field out to keep the contacts as they are.",
    )
