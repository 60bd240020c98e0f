"""The rules of an indicator's fields, reporters and dimensions, for
``impact.services_indicators``: cleaning that raises ValidationError keyed by field, and
the replacement of an indicator's reporters and dimensions (called inside the services'
transactions). See that module for the rules in words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db.models import F, Q, Sum

from goals.models import SharedGoal
from impact.models import (
    VALUE_DECIMALS,
    VALUE_DIGITS,
    Aggregation,
    Dimension,
    DimensionCategory,
    Direction,
    Frequency,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementBreakdown,
    ReportingPeriod,
    ResultLevel,
    ValueType,
)
from impact.periods import period_windows
from partnerhub.models import Workspace
from partners.models import PartnershipMember
from partners.services.partnerships import check_in_workspace


class DimensionSpec(TypedDict):
    """One disaggregation as services take it: categories in display order;
    ``exhaustive`` when they cover every case (a breakdown must add up to the total)."""

    name: str
    exhaustive: bool
    categories: list[str]


NAME_MAX_LENGTH = 200
UNIT_MAX_LENGTH = 50
DIMENSION_NAME_MAX_LENGTH = 80
CATEGORY_NAME_MAX_LENGTH = 80
DEFINITION_MAX_LENGTH = 5000
MAX_DIMENSIONS = 10
MAX_CATEGORIES = 50
CURRENCY = re.compile(r"[A-Z]{3}")
NOT_MEMBERS = "Reporting organizations must be current members of the partnership."
# A value the columns hold: 18 digits, 4 of them after the point.
VALUE_LIMIT = Decimal(10) ** (VALUE_DIGITS - VALUE_DECIMALS)
VALUE_STEP = Decimal(1).scaleb(-VALUE_DECIMALS)

_CHOICES = {
    "value_type": (ValueType, "Choose number, percentage or currency."),
    "direction": (Direction, "Choose whether an increase or a decrease is better."),
    "result_level": (ResultLevel, "Choose output, outcome or impact."),
    "frequency": (Frequency, "Choose monthly, quarterly, half-yearly or annual reporting."),
    "aggregation": (Aggregation, "Choose sum, latest or average."),
}


# --- Cleaning -----------------------------------------------------------------------------


def clean_value(value: Any, *, percentage: bool) -> Decimal:
    """A value an indicator column can hold, or ValidationError (a plain message)."""
    if value is None or value == "":
        raise ValidationError("Enter a number.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError("Enter a number.") from exc
    if not number.is_finite():
        raise ValidationError("Enter a number.")
    if number != number.quantize(VALUE_STEP, rounding="ROUND_HALF_EVEN"):
        raise ValidationError(f"Use at most {VALUE_DECIMALS} decimal places.")
    if abs(number) >= VALUE_LIMIT:
        raise ValidationError("This number is too large.")
    if percentage and not Decimal(0) <= number <= Decimal(100):
        raise ValidationError("A percentage is between 0 and 100.")
    return number


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def clean_indicator_fields(values: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise the indicator's own fields (in place); errors by field."""
    name = _text(values.get("name"))
    if not name:
        errors["name"] = "Give the indicator a name."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Use at most {NAME_MAX_LENGTH} characters."
    values["name"] = name
    values["definition"] = _text(values.get("definition"))
    if len(values["definition"]) > DEFINITION_MAX_LENGTH:
        errors["definition"] = f"Use at most {DEFINITION_MAX_LENGTH} characters."
    values["unit"] = _text(values.get("unit"))
    if len(values["unit"]) > UNIT_MAX_LENGTH:
        errors["unit"] = f"Use at most {UNIT_MAX_LENGTH} characters."
    for field, (choices, message) in _CHOICES.items():
        if values.get(field) not in choices.values:
            errors[field] = message

    value_type = values.get("value_type")
    currency = _text(values.get("currency")).upper()
    if value_type == ValueType.CURRENCY:
        if not currency:
            errors["currency"] = "Give the currency of the amounts, e.g. EUR or USD."
        elif not CURRENCY.fullmatch(currency):
            errors["currency"] = "Use a three-letter ISO 4217 code, e.g. EUR or USD."
    elif currency and "value_type" not in errors:
        errors["currency"] = "Only currency indicators have a currency; leave it empty."
    values["currency"] = currency if value_type == ValueType.CURRENCY else ""

    percentage = value_type == ValueType.PERCENTAGE
    for field in ("baseline_value", "target_value"):
        try:
            values[field] = clean_value(values.get(field), percentage=percentage)
        except ValidationError as exc:
            errors[field] = exc.messages
    for field in ("baseline_date", "target_date"):
        if not isinstance(values.get(field), date):
            errors[field] = "Give the date."
    if not errors.keys() & {"baseline_value", "target_value", "direction"}:
        baseline, target = values["baseline_value"], values["target_value"]
        if values["direction"] == Direction.INCREASE and target < baseline:
            errors["target_value"] = (
                "When an increase is better, the target cannot be below the baseline."
            )
        elif values["direction"] == Direction.DECREASE and target > baseline:
            errors["target_value"] = (
                "When a decrease is better, the target cannot be above the baseline."
            )
    if not errors.keys() & {"baseline_date", "target_date", "frequency"}:
        if values["target_date"] < values["baseline_date"]:
            errors["target_date"] = "The target date must be on or after the baseline date."
        else:
            try:
                period_windows(values["frequency"], values["baseline_date"], values["target_date"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    errors.update(exc.message_dict)
                else:
                    errors["frequency"] = exc.messages
    return values


def check_name_free(
    *, workspace: Workspace, partnership_id: int, name: str, exclude: int | None = None
) -> None:
    taken = Indicator.objects.for_workspace(workspace).filter(
        partnership_id=partnership_id, name__iexact=name
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": "This partnership already has an indicator with this name."})


def check_goal(workspace: Workspace, goal: SharedGoal | None, partnership_id: int) -> None:
    if goal is None:
        return
    if not isinstance(goal, SharedGoal):
        raise ValidationError({"goal": "Choose a shared goal of this partnership."})
    check_in_workspace(workspace, goal, "goal", "Choose a shared goal of this partnership.")
    if goal.partnership_id != partnership_id:
        raise ValidationError({"goal": "Choose a shared goal of this partnership."})


def clean_reporter_ids(ids: Iterable[Any]) -> list[int]:
    clean: list[int] = []
    for value in ids or ():
        try:
            number = int(getattr(value, "pk", value))
        except (TypeError, ValueError) as exc:
            raise ValidationError({"reporter_ids": "Choose member organizations."}) from exc
        if number not in clean:
            clean.append(number)
    return clean


def clean_dimensions(specs: Iterable[DimensionSpec | dict[str, Any]]) -> list[DimensionSpec]:
    """Normalised dimensions (stripped names, in the order given), or ValidationError
    on ``dimensions``."""
    problems: list[str] = []
    clean: list[DimensionSpec] = []
    seen: set[str] = set()
    for spec in specs or ():
        if not isinstance(spec, dict):
            raise ValidationError({"dimensions": "Each dimension needs a name and categories."})
        name = _text(spec.get("name"))
        if not name:
            problems.append("Every dimension needs a name.")
            continue
        if len(name) > DIMENSION_NAME_MAX_LENGTH:
            problems.append(f"“{name[:30]}…”: use at most {DIMENSION_NAME_MAX_LENGTH} characters.")
            continue
        if name.casefold() in seen:
            problems.append(f"The dimension “{name}” is listed twice.")
            continue
        seen.add(name.casefold())
        categories: list[str] = []
        seen_categories: set[str] = set()
        raw = spec.get("categories") or []
        if isinstance(raw, str):
            raw = [raw]
        for category in raw:
            label = _text(category)
            if not label:
                continue
            if len(label) > CATEGORY_NAME_MAX_LENGTH:
                problems.append(
                    f"{name}: category names use at most {CATEGORY_NAME_MAX_LENGTH} characters."
                )
            elif label.casefold() in seen_categories:
                problems.append(f"{name}: the category “{label}” is listed twice.")
            else:
                seen_categories.add(label.casefold())
                categories.append(label)
        if len(categories) < 2:
            problems.append(f"{name}: give at least two categories.")
        elif len(categories) > MAX_CATEGORIES:
            problems.append(f"{name}: use at most {MAX_CATEGORIES} categories.")
        clean.append(
            {
                "name": name,
                "exhaustive": bool(spec.get("exhaustive", True)),
                "categories": categories,
            }
        )
    if len(clean) > MAX_DIMENSIONS:
        problems.append(f"Use at most {MAX_DIMENSIONS} dimensions.")
    if problems:
        raise ValidationError({"dimensions": problems})
    return clean


# --- Reporters and dimensions -------------------------------------------------------------


def current_member_ids(workspace: Workspace, partnership_id: int) -> set[int]:
    return set(
        PartnershipMember.objects.for_workspace(workspace)
        .filter(partnership_id=partnership_id, left_on__isnull=True)
        .values_list("organization_id", flat=True)
    )


def replace_reporters(
    *, workspace: Workspace, indicator: Indicator, wanted: list[int], existing: list[int]
) -> bool:
    """Make the indicator's reporters ``wanted``; True when something changed."""
    added = [org for org in wanted if org not in existing]
    removed = [org for org in existing if org not in wanted]
    if added:
        members = current_member_ids(workspace, indicator.partnership_id)
        if any(org not in members for org in added):
            raise ValidationError({"reporter_ids": NOT_MEMBERS})
    if removed:
        with_figures = (
            Measurement.objects.for_workspace(workspace)
            .filter(indicator=indicator, organization_id__in=removed)
            .values_list("organization__name", flat=True)
            .distinct()
        )
        names = sorted(with_figures)
        if names:
            raise ValidationError(
                {
                    "reporter_ids": f"{', '.join(names)} already reported figures for this "
                    "indicator, so they stay reporting organizations."
                }
            )
        IndicatorReporter.objects.for_workspace(workspace).filter(
            indicator=indicator, organization_id__in=removed
        ).delete()
    IndicatorReporter.objects.bulk_create(
        IndicatorReporter(workspace=workspace, indicator=indicator, organization_id=org)
        for org in added
    )
    return bool(added or removed)


def dimension_specs_of(workspace: Workspace, indicator: Indicator) -> list[DimensionSpec]:
    dimensions = (
        Dimension.objects.for_workspace(workspace)
        .filter(indicator=indicator)
        .prefetch_related("categories")
        .order_by("position", "id")
    )
    return [
        {
            "name": d.name,
            "exhaustive": d.exhaustive,
            "categories": [c.name for c in sorted(d.categories.all(), key=_by_position)],
        }
        for d in dimensions
    ]


def _by_position(row: Dimension | DimensionCategory) -> tuple[int, int]:
    return (row.position, row.pk)


def replace_dimensions(
    *, workspace: Workspace, indicator: Indicator, wanted: list[DimensionSpec]
) -> None:
    """Make the indicator's dimensions ``wanted``. Dimensions and categories are matched by
    name (regardless of case), so those kept keep their rows and the breakdown values
    pointing at them; removing one that holds values is refused."""
    existing = {
        d.name.casefold(): d
        for d in Dimension.objects.for_workspace(workspace)
        .filter(indicator=indicator)
        .prefetch_related("categories")
    }
    wanted_names = {spec["name"].casefold() for spec in wanted}
    removed_categories: dict[int, str] = {}
    for key, dimension in existing.items():
        spec = next((s for s in wanted if s["name"].casefold() == key), None)
        kept = {c.casefold() for c in spec["categories"]} if spec else set()
        for category in dimension.categories.all():
            if category.name.casefold() not in kept:
                removed_categories[category.pk] = f"{dimension.name}: {category.name}"
    if removed_categories:
        holding = sorted(
            {
                removed_categories[pk]
                for pk in MeasurementBreakdown.objects.for_workspace(workspace)
                .filter(category_id__in=list(removed_categories))
                .values_list("category_id", flat=True)
                .distinct()
            }
        )
        if holding:
            raise ValidationError(
                {
                    "dimensions": f"Figures hold breakdown values in {'; '.join(holding)}, so "
                    "these categories cannot be removed."
                }
            )
    _check_exhaustive(workspace, indicator, existing, wanted)

    DimensionCategory.objects.for_workspace(workspace).filter(
        pk__in=list(removed_categories)
    ).delete()
    Dimension.objects.for_workspace(workspace).filter(
        indicator=indicator, pk__in=[d.pk for k, d in existing.items() if k not in wanted_names]
    ).delete()
    for position, spec in enumerate(wanted):
        dimension = existing.get(spec["name"].casefold())
        if dimension is None:
            dimension = Dimension.objects.create(
                workspace=workspace,
                indicator=indicator,
                name=spec["name"],
                exhaustive=spec["exhaustive"],
                position=position,
            )
            current: dict[str, DimensionCategory] = {}
        else:
            if (dimension.name, dimension.exhaustive, dimension.position) != (
                spec["name"],
                spec["exhaustive"],
                position,
            ):
                dimension.name = spec["name"]
                dimension.exhaustive = spec["exhaustive"]
                dimension.position = position
                dimension.save(update_fields=["name", "exhaustive", "position"])
            current = {
                c.name.casefold(): c
                for c in dimension.categories.all()
                if c.pk not in removed_categories
            }
        new: list[DimensionCategory] = []
        for index, label in enumerate(spec["categories"]):
            category = current.get(label.casefold())
            if category is None:
                new.append(
                    DimensionCategory(
                        workspace=workspace, dimension=dimension, name=label, position=index
                    )
                )
            elif (category.name, category.position) != (label, index):
                category.name, category.position = label, index
                category.save(update_fields=["name", "position"])
        DimensionCategory.objects.bulk_create(new)


def _check_exhaustive(
    workspace: Workspace,
    indicator: Indicator,
    existing: dict[str, Dimension],
    wanted: list[DimensionSpec],
) -> None:
    """A dimension turned exhaustive must already add up in every figure broken down by it."""
    turning = [
        existing[spec["name"].casefold()].pk
        for spec in wanted
        if spec["exhaustive"]
        and spec["name"].casefold() in existing
        and not existing[spec["name"].casefold()].exhaustive
    ]
    if not turning:
        return
    off = (
        MeasurementBreakdown.objects.for_workspace(workspace)
        .filter(category__dimension_id__in=turning, measurement__indicator=indicator)
        .order_by()
        .values("measurement_id", "category__dimension__name", "measurement__value")
        .annotate(total=Sum("value"))
        .exclude(total=F("measurement__value"))
        .values_list("category__dimension__name", flat=True)
    )
    names = sorted(set(off))
    if names:
        raise ValidationError(
            {
                "dimensions": f"Some figures' breakdowns by {', '.join(names)} do not add up to "
                "their totals, so the dimension cannot be marked exhaustive (complete)."
            }
        )


def reporter_ids_of(workspace: Workspace, indicator: Indicator) -> list[int]:
    return list(
        IndicatorReporter.objects.for_workspace(workspace)
        .filter(indicator=indicator)
        .order_by("organization_id")
        .values_list("organization_id", flat=True)
    )


def check_type_change(
    workspace: Workspace, indicator: Indicator, values: dict[str, Any]
) -> dict[str, str]:
    """Figures were reported as numbers, percentages or amounts in one currency: once
    they exist, the type and the currency stay; period targets must fit a new type."""
    errors: dict[str, str] = {}
    type_changes = values["value_type"] != indicator.value_type
    currency_changes = values["currency"] != indicator.currency
    if (type_changes or currency_changes) and (
        Measurement.objects.for_workspace(workspace).filter(indicator=indicator).exists()
    ):
        field = "value_type" if type_changes else "currency"
        errors[field] = (
            "Figures were already reported for this indicator; its type and currency "
            "can no longer change."
        )
    if type_changes and values["value_type"] == ValueType.PERCENTAGE and not errors:
        outside = (
            ReportingPeriod.objects.for_workspace(workspace)
            .filter(indicator=indicator)
            .filter(Q(target_value__lt=0) | Q(target_value__gt=100))
            .exists()
        )
        if outside:
            errors["value_type"] = (
                "Some period targets are outside 0 to 100; change them before making this "
                "a percentage."
            )
    return errors
