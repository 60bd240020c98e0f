"""Django admin for platform staff: indicators, periods, figures, imports and health-check
rounds, inspected workspace by workspace (see partners.admin.TenantAdmin for how the
workspace is chosen under Row-Level Security). Read-mostly: figures' values, statuses and
versions, a period's lock and every health-check answer change through the app only (its
services keep the review workflow and the audit trail); individual answers are never
listed, only counted in their round."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from impact.models import (
    Dimension,
    DimensionCategory,
    HealthCheckRound,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementEvent,
    MeasurementImport,
    ReportingPeriod,
)
from partners.admin import TenantAdmin

READ_ONLY: Any = ("workspace", "created_at", "updated_at")


class ReadOnlyAdmin(TenantAdmin):
    """Staff look; changes go through the app."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReporterInline(admin.TabularInline):
    model = IndicatorReporter
    extra = 0
    fields = ("organization",)
    readonly_fields = ("organization",)
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DimensionInline(admin.TabularInline):
    model = Dimension
    extra = 0
    fields = ("name", "exhaustive", "position")
    readonly_fields = ("name", "exhaustive", "position")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Indicator)
class IndicatorAdmin(TenantAdmin):
    list_display = (
        "name",
        "partnership",
        "value_type",
        "direction",
        "frequency",
        "target_date",
        "workspace",
    )
    list_filter = ("workspace", "value_type", "direction", "frequency", "result_level")
    search_fields = ("name", "definition")
    raw_id_fields = ("partnership", "goal")
    # The schedule of periods follows these; they change through the app (it re-syncs).
    readonly_fields = (
        *READ_ONLY,
        "value_type",
        "currency",
        "baseline_date",
        "target_date",
        "frequency",
    )
    inlines = (ReporterInline, DimensionInline)


class CategoryInline(admin.TabularInline):
    model = DimensionCategory
    extra = 0
    fields = ("name", "position")
    readonly_fields = ("name", "position")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dimension)
class DimensionAdmin(ReadOnlyAdmin):
    list_display = ("name", "indicator", "exhaustive", "position", "workspace")
    search_fields = ("name", "indicator__name")
    raw_id_fields = ("indicator",)
    inlines = (CategoryInline,)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyAdmin):
    list_display = (
        "indicator",
        "start_date",
        "end_date",
        "target_value",
        "in_schedule",
        "locked",
        "workspace",
    )
    list_filter = ("workspace", "locked", "in_schedule")
    search_fields = ("indicator__name",)
    raw_id_fields = ("indicator", "locked_by")
    date_hierarchy = "end_date"


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "period", "organization", "value", "status", "version")
    list_filter = ("workspace", "status")
    search_fields = ("indicator__name", "organization__name", "note")
    raw_id_fields = (
        "partnership",
        "indicator",
        "period",
        "organization",
        "submitted_by",
        "submitted_by_key",
        "reviewed_by",
    )
    list_select_related = ("indicator", "period", "organization")
    readonly_fields = (*READ_ONLY, "evidence_link")


@admin.register(MeasurementEvent)
class MeasurementEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "indicator", "measurement", "actor", "value")
    list_filter = ("workspace", "kind")
    search_fields = ("indicator__name", "note")
    raw_id_fields = ("measurement", "indicator", "actor", "actor_key")
    list_select_related = ("indicator", "actor", "measurement__period", "measurement__indicator")


@admin.register(MeasurementImport)
class MeasurementImportAdmin(ReadOnlyAdmin):
    list_display = (
        "original_name",
        "partnership",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "refused_count",
        "created_at",
    )
    list_filter = ("workspace", "status")
    search_fields = ("original_name",)
    raw_id_fields = ("partnership", "created_by")


@admin.register(HealthCheckRound)
class HealthCheckRoundAdmin(TenantAdmin):
    list_display = ("title", "partnership", "opens_on", "closes_on", "workspace")
    list_filter = ("workspace",)
    search_fields = ("title", "partnership__name")
    raw_id_fields = ("partnership", "created_by")
    readonly_fields = (*READ_ONLY, "created_by")
