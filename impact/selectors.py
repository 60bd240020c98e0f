"""Access-checked reads of indicators, periods and figures, shared by pages and the API.

The rule of DESIGN.md, once: admins, coordinators, viewers and API keys see every
partnership's indicators; a partner sees the indicators of the partnerships their
organization currently belongs to, and the figures of those indicators. Objects a caller
may not see raise DoesNotExist, exactly like objects that do not exist (404 for both).

Who may *report* a figure: admins, coordinators and write keys for any reporting
organization of the indicator; a partner only for their own organization, and only when
it is one of the indicator's reporting organizations.
"""

from __future__ import annotations

from django.db.models import QuerySet

from impact.models import (
    HealthCheckRound,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementImport,
    ReportingPeriod,
)
from partnerhub.models import Workspace
from partnerhub.permissions import Action
from partners.selectors_partnerships import PartnershipAccess, partnerships_visible_to


def indicators_visible_to(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[Indicator]:
    qs = Indicator.objects.for_workspace(workspace)
    if access.can(Action.VIEW_ALL_PARTNERSHIPS):
        return qs
    return qs.filter(
        partnership__in=partnerships_visible_to(workspace=workspace, access=access).values("id")
    )


def indicator_get(
    *, workspace: Workspace, access: PartnershipAccess, indicator_id: int
) -> Indicator:
    return (
        indicators_visible_to(workspace=workspace, access=access)
        .select_related("partnership", "goal")
        .get(pk=indicator_id)
    )


def periods_visible_to(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.for_workspace(workspace).filter(
        indicator__in=indicators_visible_to(workspace=workspace, access=access).values("id")
    )


def period_get(
    *, workspace: Workspace, access: PartnershipAccess, period_id: int
) -> ReportingPeriod:
    return (
        periods_visible_to(workspace=workspace, access=access)
        .select_related("indicator", "indicator__partnership")
        .get(pk=period_id)
    )


def measurements_visible_to(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[Measurement]:
    qs = Measurement.objects.for_workspace(workspace)
    if access.can(Action.VIEW_ALL_PARTNERSHIPS):
        return qs
    return qs.filter(
        partnership__in=partnerships_visible_to(workspace=workspace, access=access).values("id")
    )


def measurement_get(
    *, workspace: Workspace, access: PartnershipAccess, measurement_id: int
) -> Measurement:
    return (
        measurements_visible_to(workspace=workspace, access=access)
        .select_related("indicator", "period", "organization", "partnership")
        .get(pk=measurement_id)
    )


def reporter_org_ids(*, workspace: Workspace, indicator: Indicator) -> set[int]:
    return set(
        IndicatorReporter.objects.for_workspace(workspace)
        .filter(indicator=indicator)
        .values_list("organization_id", flat=True)
    )


def can_report_for(
    *, access: PartnershipAccess, organization_id: int, reporter_ids: set[int]
) -> bool:
    """May ``access`` submit the figure of ``organization_id`` for an indicator whose
    reporting organizations are ``reporter_ids``?"""
    if organization_id not in reporter_ids or not access.can(Action.REPORT_PROGRESS):
        return False
    if access.can(Action.EDIT_CONTENT):
        return True
    return access.organization_id == organization_id


def imports_visible_to(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[MeasurementImport]:
    return MeasurementImport.objects.for_workspace(workspace).filter(
        partnership__in=partnerships_visible_to(workspace=workspace, access=access).values("id")
    )


def health_rounds_visible_to(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[HealthCheckRound]:
    return HealthCheckRound.objects.for_workspace(workspace).filter(
        partnership__in=partnerships_visible_to(workspace=workspace, access=access).values("id")
    )
