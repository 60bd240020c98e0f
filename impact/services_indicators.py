"""Writes of indicators and their reporting periods.

Keyword-only arguments; the workspace and the acting user (or API key) are explicit; each
function runs in its own transaction (a savepoint inside a request's), records one activity
event with the partnership's id, and raises Django's ValidationError, keyed by field, for
input it refuses. Who may call them (admins, coordinators, write keys) is checked by the
views and the API with ``Action.EDIT_CONTENT``.

The rules an indicator follows:

- its goal, when it has one, is a shared goal of the same partnership;
- its reporting organizations are current members of the partnership when they are added
  (one that left later stays a reporter); a reporter that already has figures cannot be
  removed, nor can a dimension or category holding figures' breakdown values;
- currency indicators carry a three-letter ISO 4217 code, the others none; percentages
  stay within 0..100; "increase is better" means a target at or above the baseline,
  "decrease is better" one at or below it; the target date is on or after the baseline;
- names are unique in a partnership (compared without regard to case), dimension names
  in an indicator, category names in a dimension; a dimension has at least two categories;
- the value type and the currency are fixed once figures exist (the figures were
  reported in them);
- a dimension may become exhaustive only while every breakdown already given for it
  adds up to its figure's total.

Periods follow the schedule (``impact.periods.sync_periods``) after every change: a period
holding figures is never deleted. Locking a period is recorded here (who, when); the
measurement services refuse figures for locked periods.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from goals.models import SharedGoal
from goals.services import goal_refresh_status
from impact.indicator_rules import (
    NOT_MEMBERS,
    DimensionSpec,
    check_goal,
    check_name_free,
    check_type_change,
    clean_dimensions,
    clean_indicator_fields,
    clean_reporter_ids,
    clean_value,
    current_member_ids,
    dimension_specs_of,
    replace_dimensions,
    replace_reporters,
    reporter_ids_of,
)
from impact.models import (
    Aggregation,
    Direction,
    Indicator,
    Measurement,
    ReportingPeriod,
    ResultLevel,
    ValueType,
)
from impact.periods import sync_periods
from partnerhub.models import EventAction, Workspace
from partnerhub.services.activity import actor_parts, diff, record_event, snapshot
from partners.models import Partnership
from partners.services.partnerships import check_in_workspace, lock_partnership

logger = logging.getLogger(__name__)

INDICATOR_FIELDS = (
    "partnership",
    "goal",
    "name",
    "definition",
    "unit",
    "value_type",
    "currency",
    "direction",
    "result_level",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "frequency",
    "aggregation",
)
# What ``indicator_update`` accepts: the indicator's own fields (not its partnership) and
# the two sets it replaces.
EDITABLE = frozenset(INDICATOR_FIELDS) - {"partnership"} | {"reporter_ids", "dimensions"}
PERIOD_FIELDS = ("indicator", "start_date", "end_date", "target_value", "locked")


# --- Indicators ---------------------------------------------------------------------------


def indicator_create(
    *,
    workspace: Workspace,
    actor: Any,
    partnership: Partnership,
    name: str,
    value_type: str,
    baseline_value: Decimal,
    baseline_date: date,
    target_value: Decimal,
    target_date: date,
    frequency: str,
    definition: str = "",
    unit: str = "",
    currency: str = "",
    direction: str = Direction.INCREASE,
    result_level: str = ResultLevel.OUTPUT,
    aggregation: str = Aggregation.SUM,
    goal: SharedGoal | None = None,
    reporter_ids: Iterable[int] = (),
    dimensions: Sequence[DimensionSpec] = (),
) -> Indicator:
    """An indicator of a partnership with its reporters, dimensions and periods."""
    check_in_workspace(
        workspace, partnership, "partnership", "Choose a partnership of this workspace."
    )
    errors: dict[str, Any] = {}
    values = clean_indicator_fields(
        {
            "name": name,
            "definition": definition,
            "unit": unit,
            "value_type": value_type,
            "currency": currency,
            "direction": direction,
            "result_level": result_level,
            "baseline_value": baseline_value,
            "baseline_date": baseline_date,
            "target_value": target_value,
            "target_date": target_date,
            "frequency": frequency,
            "aggregation": aggregation,
        },
        errors,
    )
    for check in (
        lambda: check_goal(workspace, goal, partnership.pk),
        lambda: clean_dimensions(dimensions),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        reporters = clean_reporter_ids(reporter_ids)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    else:
        if set(reporters) - current_member_ids(workspace, partnership.pk):
            errors["reporter_ids"] = NOT_MEMBERS
    if errors:
        raise ValidationError(errors)
    specs = clean_dimensions(dimensions)
    with transaction.atomic():
        # One writer per partnership at a time: the name check and the membership check
        # hold until the indicator is saved.
        lock_partnership(workspace=workspace, partnership=partnership)
        check_name_free(workspace=workspace, partnership_id=partnership.pk, name=values["name"])
        indicator = Indicator.objects.create(
            workspace=workspace, partnership=partnership, goal=goal, **values
        )
        replace_reporters(workspace=workspace, indicator=indicator, wanted=reporters, existing=[])
        replace_dimensions(workspace=workspace, indicator=indicator, wanted=specs)
        sync_periods(indicator=indicator)
        if goal is not None:
            goal_refresh_status(workspace=workspace, goal=goal)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=indicator,
            changes=snapshot(indicator, INDICATOR_FIELDS)
            | {"reporters": sorted(reporters), "dimensions": specs},
            partnership_id=partnership.pk,
        )
    logger.info("indicator %s created", indicator.pk, extra={"workspace": workspace.slug})
    return indicator


def indicator_update(
    *, workspace: Workspace, actor: Any, indicator: Indicator, **changes: Any
) -> Indicator:
    """Change an indicator's fields; ``reporter_ids`` and ``dimensions`` replace its
    reporters and dimensions. The periods follow the (new) schedule."""
    check_in_workspace(workspace, indicator, "indicator", "Choose an indicator of this workspace.")
    if "partnership" in changes:
        partnership = changes.pop("partnership")
        if getattr(partnership, "pk", partnership) != indicator.partnership_id:
            raise ValidationError({"partnership": "An indicator stays in its partnership."})
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"indicator_update() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        lock_partnership(workspace=workspace, partnership=indicator.partnership)
        current = (
            Indicator.objects.for_workspace(workspace)
            .select_for_update()
            .select_related("partnership")
            .get(pk=indicator.pk)
        )
        before = snapshot(current, INDICATOR_FIELDS)
        old_goal_id = current.goal_id
        fields = [f for f in INDICATOR_FIELDS if f not in ("partnership", "goal")]
        values = {f: changes.get(f, getattr(current, f)) for f in fields}
        errors: dict[str, Any] = {}
        values = clean_indicator_fields(values, errors)
        goal = changes.get("goal", current.goal)
        try:
            check_goal(workspace, goal, current.partnership_id)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        specs: list[DimensionSpec] | None = None
        if "dimensions" in changes:
            try:
                specs = clean_dimensions(changes["dimensions"])
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if not errors:
            errors.update(check_type_change(workspace, current, values))
        if errors:
            raise ValidationError(errors)
        check_name_free(
            workspace=workspace,
            partnership_id=current.partnership_id,
            name=values["name"],
            exclude=current.pk,
        )

        existing_reporters = reporter_ids_of(workspace, current)
        reporters_changed = False
        if "reporter_ids" in changes:
            reporters_changed = replace_reporters(
                workspace=workspace,
                indicator=current,
                wanted=clean_reporter_ids(changes["reporter_ids"]),
                existing=existing_reporters,
            )
        dimensions_before = dimension_specs_of(workspace, current)
        if specs is not None and specs != dimensions_before:
            replace_dimensions(workspace=workspace, indicator=current, wanted=specs)

        for key, value in values.items():
            setattr(current, key, value)
        current.goal = goal
        current.save(update_fields=[*values, "goal"])  # always: updated_at moves
        sync_periods(indicator=current)

        changed = diff(before, snapshot(current, INDICATOR_FIELDS))
        if reporters_changed:
            changed["reporters"] = [existing_reporters, reporter_ids_of(workspace, current)]
        if specs is not None and specs != dimensions_before:
            changed["dimensions"] = [dimensions_before, specs]
        if changed:
            record_event(
                workspace=workspace,
                actor=actor,
                action=EventAction.UPDATE,
                target=current,
                changes=changed,
                partnership_id=current.partnership_id,
            )
        for goal_id in {old_goal_id, current.goal_id} - {None}:
            _refresh_goal(workspace, goal_id)
    # The caller's object shows the saved state too (views keep using it).
    for key in (*values, "goal", "updated_at"):
        setattr(indicator, key, getattr(current, key))
    return current


def _refresh_goal(workspace: Workspace, goal_id: int) -> None:
    goal = SharedGoal.objects.for_workspace(workspace).filter(pk=goal_id).first()
    if goal is not None:
        goal_refresh_status(workspace=workspace, goal=goal)


def indicator_delete(*, workspace: Workspace, actor: Any, indicator: Indicator) -> None:
    """Delete an indicator with its periods, figures and their history."""
    check_in_workspace(workspace, indicator, "indicator", "Choose an indicator of this workspace.")
    with transaction.atomic():
        indicator_id, partnership_id, goal_id = (
            indicator.pk,
            indicator.partnership_id,
            indicator.goal_id,
        )
        values = snapshot(indicator, INDICATOR_FIELDS)
        figures = Measurement.objects.for_workspace(workspace).filter(indicator=indicator).count()
        indicator.delete()
        if goal_id is not None:
            _refresh_goal(workspace, goal_id)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.DELETE,
            target=indicator,
            changes=values | {"figures_deleted": figures},
            partnership_id=partnership_id,
            object_id=indicator_id,
        )


# --- Periods ------------------------------------------------------------------------------


def _period_for_update(workspace: Workspace, period: ReportingPeriod) -> ReportingPeriod:
    check_in_workspace(workspace, period, "period", "Choose a reporting period of this workspace.")
    return (
        ReportingPeriod.objects.for_workspace(workspace)
        .select_for_update(of=("self",))
        .select_related("indicator")
        .get(pk=period.pk)
    )


def _period_repr(period: ReportingPeriod) -> str:
    return f"{period.indicator.name}: {period}"


def period_lock(
    *, workspace: Workspace, actor: Any, period: ReportingPeriod, locked: bool
) -> ReportingPeriod:
    """Lock (or unlock) a period. ``locked_by`` and ``locked_at`` say who last changed the
    lock and when (a key's change leaves ``locked_by`` empty; the trail names the key)."""
    with transaction.atomic():
        current = _period_for_update(workspace, period)
        if current.locked == bool(locked):
            return current
        user, _key, _label = actor_parts(actor)
        current.locked = bool(locked)
        current.locked_at = timezone.now()
        current.locked_by = user
        current.save(update_fields=["locked", "locked_at", "locked_by"])
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=current,
            changes={"locked": [not current.locked, current.locked]},
            partnership_id=current.indicator.partnership_id,
            object_repr=_period_repr(current),
        )
    for key in ("locked", "locked_at", "locked_by", "updated_at"):
        setattr(period, key, getattr(current, key))
    return current


def period_set_target(
    *, workspace: Workspace, actor: Any, period: ReportingPeriod, target_value: Decimal | None
) -> ReportingPeriod:
    """Set (or clear, with None) a period's own target; without one the straight line from
    baseline to target applies."""
    with transaction.atomic():
        current = _period_for_update(workspace, period)
        if target_value is None or target_value == "":
            value = None
        else:
            try:
                value = clean_value(
                    target_value,
                    percentage=current.indicator.value_type == ValueType.PERCENTAGE,
                )
            except ValidationError as exc:
                raise ValidationError({"target_value": exc.messages}) from exc
        before = snapshot(current, ("target_value",))
        current.target_value = value
        after = snapshot(current, ("target_value",))
        if before == after:
            return current
        current.save(update_fields=["target_value"])
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=current,
            changes=diff(before, after),
            partnership_id=current.indicator.partnership_id,
            object_repr=_period_repr(current),
        )
    for key in ("target_value", "updated_at"):
        setattr(period, key, getattr(current, key))
    return current


__all__ = [
    "DimensionSpec",
    "clean_dimensions",
    "clean_value",
    "indicator_create",
    "indicator_delete",
    "indicator_update",
    "period_lock",
    "period_set_target",
]
