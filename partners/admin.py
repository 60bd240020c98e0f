"""Django admin for platform staff.

Tenant tables are guarded by Row-Level Security on PostgreSQL: a query sees only the
workspace set for its transaction. Staff therefore pick a workspace first (the
"workspace" filter of any list); the admin remembers the choice in the session and sets
it for every admin request on these models. On SQLite the choice only filters.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from partnerhub.tenancy import activate_workspace
from partners.models import (
    AgreementDocument,
    Commitment,
    Contact,
    Organization,
    OrganizationImport,
    OrganizationTrait,
    Partnership,
    PartnershipMember,
    PartnershipStatusChange,
)

SESSION_KEY = "admin_workspace_id"
FILTER_PARAM = "workspace__id__exact"


class TenantAdmin(admin.ModelAdmin):
    list_filter: Any = ("workspace",)
    readonly_fields: Any = ("workspace", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        chosen = request.GET.get(FILTER_PARAM)
        if chosen and chosen.isdigit():
            request.session[SESSION_KEY] = int(chosen)
        workspace_id = request.session.get(SESSION_KEY)
        queryset = super().get_queryset(request)
        if workspace_id is None:
            return queryset
        activate_workspace(int(workspace_id))
        return queryset.filter(workspace_id=workspace_id)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Rows are created through the app (its services keep the rules); staff inspect
        # and correct.
        return False


class TraitInline(admin.TabularInline):
    model = OrganizationTrait
    extra = 0
    fields = ("kind", "value")
    readonly_fields = ("kind", "value")
    can_delete = False


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "title", "email", "phone")


@admin.register(Organization)
class OrganizationAdmin(TenantAdmin):
    list_display = ("name", "sector", "country", "workspace", "updated_at")
    list_filter = ("workspace", "sector")
    search_fields = ("name", "iati_identifier")
    inlines = (TraitInline, ContactInline)
    formfield_overrides: Any = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Partnership)
class PartnershipAdmin(TenantAdmin):
    list_display = ("name", "model", "status", "workspace", "updated_at")
    list_filter = ("workspace", "model", "status")
    search_fields = ("name",)
    raw_id_fields = ("lead_organization",)


@admin.register(PartnershipMember)
class PartnershipMemberAdmin(TenantAdmin):
    list_display = ("organization", "partnership", "joined_on", "left_on", "workspace")
    raw_id_fields = ("partnership", "organization")


@admin.register(PartnershipStatusChange)
class PartnershipStatusChangeAdmin(TenantAdmin):
    list_display = ("partnership", "from_status", "to_status", "created_at", "workspace")
    raw_id_fields = ("partnership",)


@admin.register(Commitment)
class CommitmentAdmin(TenantAdmin):
    list_display = ("partnership", "member", "kind", "pledged", "currency", "workspace")
    raw_id_fields = ("partnership", "member")


@admin.register(AgreementDocument)
class AgreementDocumentAdmin(TenantAdmin):
    list_display = ("title", "partnership", "kind", "original_name", "workspace")
    raw_id_fields = ("partnership",)


@admin.register(OrganizationImport)
class OrganizationImportAdmin(TenantAdmin):
    list_display = ("original_name", "status", "total_rows", "created_count", "workspace")
    readonly_fields = (
        "workspace",
        "created_at",
        "updated_at",
        "file",
        "sha256",
        "total_rows",
        "valid_rows",
        "processed_rows",
        "created_count",
        "unchanged_count",
        "errors",
    )
