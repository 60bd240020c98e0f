"""IATI activity XML (standard version 2.03) of partnerships: one ``iati-activity`` per
partnership, with its organisations, dates, SDG tags and results.

Built with the standard library's ElementTree in memory (a workspace file is small). The
data of any number of partnerships is read in a fixed number of queries (see
``activities_data``); elements follow the order of the schema's sequences.

Choices where the standard or the data left room (tests/impact/test_iati.py checks them):

* **Which partnerships** -- the per-partnership file serves any partnership the caller may
  see; the workspace file holds every partnership the caller may see (a partner: those of
  their organization). When none is visible there is no valid file (the schema requires
  at least one activity): the views answer 204 No Content.
* **iati-identifier** -- ``Partnership.iati_identifier``; without one, the fallback
  ``<reporting-org-ref>-PH<id>`` (``<workspace-slug>-PH<id>`` when the reporting org has
  no identifier either), so an activity always has a stable identifier.
* **reporting-org** -- the lead organization, else the first current member holding the
  lead role, else the first current member, else the workspace by name. ``@ref`` (required
  by the schema) is the organization's IATI identifier, or empty when it has none: such
  organizations are exported by name (narrative), as the standard allows.
* **participating-org** -- one per current member and IATI role (``IATI_ROLE_FOR_MEMBER_ROLE``),
  ``@ref`` only when the organization has an IATI identifier; ``@type`` from its sector.
  A partnership without members lists its reporting org as Accountable (the schema needs
  one).
* **activity-status** -- exploring/forming 1 (pipeline), active 2, paused 6 (suspended),
  completed 4 (closed), dissolved 5 (cancelled).
* **activity-date** -- start: actual (2) once active or later, else planned (1); end:
  actual (4) when completed or dissolved, else planned (3). Without a start date the
  partnership's creation date is the planned start (the schema needs one date).
* **tag** -- the SDGs of the shared goals, vocabulary 2 (SDG goals).
* **result** -- one per shared goal and result level of its indicators, and one per level
  for indicators without a goal; ``@type`` output 1, outcome 2, impact 3.
* **indicator** -- ``@measure`` 1 (unit) for numbers and currency amounts (the currency
  code is stated in the indicator's description), 2 (percentage); ``@ascending`` 1 when an
  increase is better, else 0; the baseline with its year, date and value.
* **period** -- every reporting period: ``target`` is the period target (the one set, else
  the straight line's, as ``impact.progress.period_actuals``); ``actual`` the period's
  actual from approved figures only (summed, averaged for percentages), and one more
  ``actual`` per disaggregation category with approved figures, carrying a ``dimension``
  (name = dimension, value = category) and the category's values combined the same way.
  A period without approved figures has no actual.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Avg, Count, Sum
from django.utils import timezone

from goals.models import SharedGoal
from impact.models import (
    VALUE_DECIMALS,
    DimensionCategory,
    Direction,
    Indicator,
    Measurement,
    MeasurementBreakdown,
    MeasurementStatus,
    ReportingPeriod,
    ResultLevel,
    ValueType,
)
from impact.progress import period_target
from partnerhub.models import Workspace
from partners.models import (
    IATI_ROLE_FOR_MEMBER_ROLE,
    MemberRole,
    Organization,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    Sector,
)
from partners.selectors_partnerships import PartnershipAccess, partnership_list

IATI_VERSION = "2.03"
CONTENT_TYPE = "application/xml; charset=utf-8"

ACTIVITY_STATUS: dict[str, str] = {
    PartnershipStatus.EXPLORING: "1",
    PartnershipStatus.FORMING: "1",
    PartnershipStatus.ACTIVE: "2",
    PartnershipStatus.PAUSED: "6",
    PartnershipStatus.COMPLETED: "4",
    PartnershipStatus.DISSOLVED: "5",
}
STARTED: set[str] = {
    PartnershipStatus.ACTIVE,
    PartnershipStatus.PAUSED,
    PartnershipStatus.COMPLETED,
    PartnershipStatus.DISSOLVED,
}
ENDED: set[str] = {PartnershipStatus.COMPLETED, PartnershipStatus.DISSOLVED}

# IATI OrganisationType codes.
ORGANISATION_TYPE: dict[str, str] = {
    Sector.NONPROFIT: "22",  # National NGO
    Sector.BUSINESS: "70",  # Private Sector
    Sector.GOVERNMENT: "10",  # Government
    Sector.ACADEMIC: "80",  # Academic, Training and Research
    Sector.PHILANTHROPY: "60",  # Foundation
    Sector.COMMUNITY: "22",  # National NGO (community-based)
    Sector.MULTILATERAL: "40",  # Multilateral
}
OTHER_ORGANISATION_TYPE = "90"
ACCOUNTABLE = 2

RESULT_TYPE: dict[str, str] = {
    ResultLevel.OUTPUT: "1",
    ResultLevel.OUTCOME: "2",
    ResultLevel.IMPACT: "3",
}
LEVEL_ORDER = [ResultLevel.OUTPUT, ResultLevel.OUTCOME, ResultLevel.IMPACT]
MEASURE: dict[str, str] = {
    ValueType.NUMBER: "1",
    ValueType.PERCENTAGE: "2",
    ValueType.CURRENCY: "1",
}
SDG_TAG_VOCABULARY = "2"

_PLACES = Decimal(1).scaleb(-VALUE_DECIMALS)


def format_value(value: Decimal) -> str:
    """A decimal as IATI expects it: plain notation, no exponent, no trailing zeros."""
    text = format(value.quantize(_PLACES), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- The reads ---------------------------------------------------------------------------


@dataclass
class PeriodData:
    period: ReportingPeriod
    target: Decimal
    actual: Decimal | None
    # (dimension name, category name, combined value), in dimension and category order.
    breakdown: list[tuple[str, str, Decimal]] = field(default_factory=list)


@dataclass
class ActivityData:
    partnership: Partnership
    members: list[PartnershipMember] = field(default_factory=list)
    goals: list[SharedGoal] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    periods: dict[int, list[PeriodData]] = field(default_factory=dict)


def _combine(total: Decimal | None, mean: Decimal | None, value_type: str) -> Decimal | None:
    # impact.progress's rule: percentages are averaged, numbers and amounts added up.
    return mean if value_type == ValueType.PERCENTAGE else total


def activities_data(*, workspace: Workspace, partnerships: list[Partnership]) -> list[ActivityData]:
    """Everything the XML of these partnerships needs, in seven queries whatever their
    number: members, goals, indicators, periods, category names, approved figures per
    period, approved breakdown per period and category."""
    activities = {p.pk: ActivityData(partnership=p) for p in partnerships}
    ids = list(activities)
    if not ids:
        return []
    members = (
        PartnershipMember.objects.for_workspace(workspace)
        .filter(partnership_id__in=ids, left_on__isnull=True)
        .select_related("organization")
        .order_by("partnership_id", "organization__name", "id")
    )
    for member in members:
        activities[member.partnership_id].members.append(member)
    goals = (
        SharedGoal.objects.for_workspace(workspace)
        .filter(partnership_id__in=ids)
        .order_by("partnership_id", "target_date", "id")
    )
    for goal in goals:
        activities[goal.partnership_id].goals.append(goal)
    indicators = list(
        Indicator.objects.for_workspace(workspace)
        .filter(partnership_id__in=ids)
        .order_by("partnership_id", "name", "id")
    )
    by_indicator = {indicator.pk: indicator for indicator in indicators}
    for indicator in indicators:
        activities[indicator.partnership_id].indicators.append(indicator)
    if not indicators:
        return list(activities.values())

    indicator_ids = list(by_indicator)
    periods = (
        ReportingPeriod.objects.for_workspace(workspace)
        .filter(indicator_id__in=indicator_ids)
        .order_by("indicator_id", "start_date", "end_date", "id")
    )
    categories = {
        category.pk: category
        for category in DimensionCategory.objects.for_workspace(workspace)
        .filter(dimension__indicator_id__in=indicator_ids)
        .select_related("dimension")
    }
    figures = {
        row["period_id"]: row
        for row in Measurement.objects.for_workspace(workspace)
        .filter(indicator_id__in=indicator_ids, status=MeasurementStatus.APPROVED)
        .order_by()
        .values("period_id")
        .annotate(total=Sum("value"), mean=Avg("value"), figures=Count("id"))
    }
    breakdown: dict[int, list[tuple[DimensionCategory, Decimal, Decimal]]] = defaultdict(list)
    for row in (
        MeasurementBreakdown.objects.for_workspace(workspace)
        .filter(
            measurement__indicator_id__in=indicator_ids,
            measurement__status=MeasurementStatus.APPROVED,
        )
        .order_by()
        .values("measurement__period_id", "category_id")
        .annotate(total=Sum("value"), mean=Avg("value"))
    ):
        category = categories.get(row["category_id"])
        if category is not None:
            breakdown[row["measurement__period_id"]].append((category, row["total"], row["mean"]))

    for period in periods:
        indicator = by_indicator[period.indicator_id]
        target = period.target_value
        if target is None:
            target = period_target(
                aggregation=indicator.aggregation,
                baseline_value=indicator.baseline_value,
                target_value=indicator.target_value,
                baseline_date=indicator.baseline_date,
                target_date=indicator.target_date,
                start_date=period.start_date,
                end_date=period.end_date,
            )
        row = figures.get(period.pk)
        actual = _combine(row["total"], row["mean"], indicator.value_type) if row else None
        parts = sorted(
            breakdown.get(period.pk, []),
            key=lambda item: (item[0].dimension.position, item[0].dimension_id, item[0].position),
        )
        data = PeriodData(
            period=period,
            target=target,
            actual=actual,
            breakdown=[
                (
                    category.dimension.name,
                    category.name,
                    _combine(total, mean, indicator.value_type) or Decimal(0),
                )
                for category, total, mean in parts
            ],
        )
        activities[indicator.partnership_id].periods.setdefault(indicator.pk, []).append(data)
    return list(activities.values())


# --- The XML -----------------------------------------------------------------------------


def _narrative(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "narrative").text = text
    return element


def _org_type(organization: Organization | None) -> str:
    if organization is None:
        return OTHER_ORGANISATION_TYPE
    return ORGANISATION_TYPE.get(organization.sector, OTHER_ORGANISATION_TYPE)


def reporting_organization(data: ActivityData) -> Organization | None:
    partnership = data.partnership
    if partnership.lead_organization_id is not None:
        return partnership.lead_organization
    leads = [m for m in data.members if MemberRole.LEAD in m.roles]
    chosen = leads or data.members
    return chosen[0].organization if chosen else None


def activity_identifier(*, workspace: Workspace, data: ActivityData) -> str:
    if data.partnership.iati_identifier:
        return data.partnership.iati_identifier
    reporter = reporting_organization(data)
    prefix = reporter.iati_identifier if reporter and reporter.iati_identifier else workspace.slug
    return f"{prefix}-PH{data.partnership.pk}"


def _iati_roles(roles: list[str]) -> list[int]:
    return sorted(
        {IATI_ROLE_FOR_MEMBER_ROLE[MemberRole(r)] for r in roles if r in MemberRole.values}
    )


def _participating_org(parent: ET.Element, organization: Organization, role: int) -> None:
    attrs = {"role": str(role), "type": _org_type(organization)}
    if organization.iati_identifier:
        attrs["ref"] = organization.iati_identifier
    _narrative(parent, "participating-org", organization.name, **attrs)


def _activity_dates(parent: ET.Element, partnership: Partnership) -> None:
    start = partnership.start_date or timezone.localdate(partnership.created_at)
    start_type = (
        "2" if partnership.start_date and partnership.status in STARTED else "1"
    )  # actual / planned start
    ET.SubElement(parent, "activity-date", {"type": start_type, "iso-date": start.isoformat()})
    if partnership.end_date:
        end_type = "4" if partnership.status in ENDED else "3"  # actual / planned end
        ET.SubElement(
            parent,
            "activity-date",
            {"type": end_type, "iso-date": partnership.end_date.isoformat()},
        )


def _indicator_description(indicator: Indicator) -> str:
    parts = [indicator.definition.strip()] if indicator.definition.strip() else []
    if indicator.value_type == ValueType.CURRENCY:
        parts.append(f"Values are amounts in {indicator.currency}.")
    elif indicator.value_type == ValueType.PERCENTAGE:
        parts.append("Values are percentages.")
    elif indicator.unit:
        parts.append(f"Unit: {indicator.unit}.")
    return " ".join(parts)


def _indicator(parent: ET.Element, indicator: Indicator, periods: list[PeriodData]) -> None:
    element = ET.SubElement(
        parent,
        "indicator",
        {
            "measure": MEASURE[indicator.value_type],
            "ascending": "1" if indicator.direction == Direction.INCREASE else "0",
        },
    )
    _narrative(element, "title", indicator.name)
    description = _indicator_description(indicator)
    if description:
        _narrative(element, "description", description)
    ET.SubElement(
        element,
        "baseline",
        {
            "year": str(indicator.baseline_date.year),
            "iso-date": indicator.baseline_date.isoformat(),
            "value": format_value(indicator.baseline_value),
        },
    )
    for data in periods:
        period = ET.SubElement(element, "period")
        ET.SubElement(period, "period-start", {"iso-date": data.period.start_date.isoformat()})
        ET.SubElement(period, "period-end", {"iso-date": data.period.end_date.isoformat()})
        ET.SubElement(period, "target", {"value": format_value(data.target)})
        if data.actual is None:
            continue
        ET.SubElement(period, "actual", {"value": format_value(data.actual)})
        for dimension, category, value in data.breakdown:
            actual = ET.SubElement(period, "actual", {"value": format_value(value)})
            ET.SubElement(actual, "dimension", {"name": dimension, "value": category})


def _results(parent: ET.Element, data: ActivityData) -> None:
    by_goal: dict[int | None, list[Indicator]] = defaultdict(list)
    for indicator in data.indicators:
        by_goal[indicator.goal_id].append(indicator)
    groups: list[tuple[str, str, list[Indicator]]] = [
        (goal.title, goal.description, by_goal.get(goal.pk, [])) for goal in data.goals
    ]
    groups.append(
        (f"{data.partnership.name}: indicators not linked to a goal", "", by_goal.get(None, []))
    )
    for title, description, indicators in groups:
        for level in LEVEL_ORDER:
            of_level = [i for i in indicators if i.result_level == level]
            if not of_level:
                continue
            result = ET.SubElement(parent, "result", {"type": RESULT_TYPE[level]})
            _narrative(result, "title", title)
            if description.strip():
                _narrative(result, "description", description.strip())
            for indicator in of_level:
                _indicator(result, indicator, data.periods.get(indicator.pk, []))


def _activity(parent: ET.Element, *, workspace: Workspace, data: ActivityData) -> None:
    partnership = data.partnership
    activity = ET.SubElement(
        parent,
        "iati-activity",
        # No last-updated-datetime: it must change with any field (figures included),
        # which the partnership's own updated_at does not track.
        {"{http://www.w3.org/XML/1998/namespace}lang": "en"},
    )
    ET.SubElement(activity, "iati-identifier").text = activity_identifier(
        workspace=workspace, data=data
    )
    reporter = reporting_organization(data)
    _narrative(
        activity,
        "reporting-org",
        reporter.name if reporter else workspace.name,
        ref=reporter.iati_identifier if reporter else "",
        type=_org_type(reporter),
    )
    _narrative(activity, "title", partnership.name)
    _narrative(activity, "description", partnership.common_agenda.strip() or partnership.name)
    listed = False
    for member in data.members:
        for role in _iati_roles(member.roles):
            _participating_org(activity, member.organization, role)
            listed = True
    if not listed:
        if reporter is not None:
            _participating_org(activity, reporter, ACCOUNTABLE)
        else:
            _narrative(
                activity,
                "participating-org",
                workspace.name,
                role=str(ACCOUNTABLE),
                type=OTHER_ORGANISATION_TYPE,
            )
    ET.SubElement(activity, "activity-status", {"code": ACTIVITY_STATUS[partnership.status]})
    _activity_dates(activity, partnership)
    sdgs = sorted({int(n) for goal in data.goals for n in goal.sdgs or [] if str(n).isdigit()})
    for sdg in sdgs:
        ET.SubElement(activity, "tag", {"vocabulary": SDG_TAG_VOCABULARY, "code": str(sdg)})
    _results(activity, data)


def activities_xml(
    *, workspace: Workspace, activities: list[ActivityData], generated: datetime | None = None
) -> bytes:
    """The ``iati-activities`` document of these activities, UTF-8 with a declaration."""
    root = ET.Element(
        "iati-activities",
        {
            "version": IATI_VERSION,
            "generated-datetime": (generated or timezone.now()).isoformat(timespec="seconds"),
        },
    )
    for data in activities:
        _activity(root, workspace=workspace, data=data)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- Entry points (access-checked) ---------------------------------------------------------


def partnership_iati_xml(*, workspace: Workspace, access: PartnershipAccess, pk: int) -> bytes:
    """One partnership's activity file; Partnership.DoesNotExist when not visible."""
    partnership = partnership_list(workspace=workspace, access=access).get(pk=pk)
    return activities_xml(
        workspace=workspace,
        activities=activities_data(workspace=workspace, partnerships=[partnership]),
    )


def workspace_iati_xml(*, workspace: Workspace, access: PartnershipAccess) -> bytes | None:
    """The activity file of every partnership the caller may see; None when there is none
    (the schema requires at least one activity, so there is no valid file to give)."""
    partnerships = list(partnership_list(workspace=workspace, access=access))
    if not partnerships:
        return None
    return activities_xml(
        workspace=workspace,
        activities=activities_data(workspace=workspace, partnerships=partnerships),
    )


def iati_filename(stem: str) -> str:
    today: date = timezone.localdate()
    return f"{stem}-iati-{today:%Y%m%d}.xml"
