"""Checking the rows of a CSV file of figures against a partnership (the preview).

``analyze_rows`` checks every row against the partnership as it is now and classifies it:

- *create*: a new figure;
- *update*: changes a draft, submitted or returned figure (the same data as a draft or
  returned figure counts too: the import submits it);
- *unchanged*: the figure on file, submitted or approved, already says exactly this;
- *refused*, with the reason on the row: an unknown indicator, period or organization, an
  organization that does not report the indicator, a partner's row for another
  organization, a value that is not a number (or negative, or a percentage above 100), a
  breakdown that does not add up to the total of an exhaustive dimension, a row repeating
  the indicator, period and organization of another row (every such row is refused: the
  file does not say which is right), a locked period, or an approved figure the row would
  change.

A column left out of the file leaves that part of a figure as it is: without a ``note``
column notes are kept, without a category's column its value is kept. A present column
with an empty cell means "nothing" (no note, no value for that category).

The checks mirror ``impact.services_measurements.measurement_save``, which has the last
word when the rows are applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from impact.imports_file import (
    BASE_COLUMNS,
    INDICATOR,
    ISO_DATE,
    NOTE,
    ORGANIZATION,
    PERIOD,
    VALUE,
    FigureFile,
    RawRow,
    category_key,
    label_window,
    number_text,
    parse_value,
    period_label,
)
from impact.models import (
    DimensionCategory,
    Frequency,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementStatus,
    ReportingPeriod,
    ValueType,
)
from impact.periods import window_containing
from impact.services_measurements import NOTE_MAX_LENGTH
from partnerhub.models import Workspace
from partnerhub.permissions import Action
from partners.models import Organization, Partnership
from partners.selectors_partnerships import PartnershipAccess

CREATE, UPDATE, UNCHANGED, REFUSED = "create", "update", "unchanged", "refused"
FREQUENCY_WORDS: dict[str, str] = {
    Frequency.MONTHLY: "monthly",
    Frequency.QUARTERLY: "quarterly",
    Frequency.HALF_YEARLY: "half-yearly",
    Frequency.ANNUAL: "yearly",
}

# --- What the file is checked against ---------------------------------------------------


@dataclass
class IndicatorInfo:
    indicator: Indicator
    periods: list[ReportingPeriod]
    categories: dict[str, DimensionCategory]  # category key -> category
    dimensions: dict[int, tuple[str, bool, list[int]]]  # id -> (name, exhaustive, categories)
    reporter_ids: set[int]
    by_window: dict[tuple[date, date], list[ReportingPeriod]] = field(default_factory=dict)
    by_start: dict[date, list[ReportingPeriod]] = field(default_factory=dict)

    def add_period(self, period: ReportingPeriod) -> None:
        self.periods.append(period)
        self.by_window.setdefault((period.start_date, period.end_date), []).append(period)
        self.by_start.setdefault(period.start_date, []).append(period)

    def find_period(self, text: str) -> ReportingPeriod:
        """The period a cell names, or ValueError saying why there is none."""
        cleaned = text.strip()
        if not cleaned:
            raise ValueError("No period.")
        match = ISO_DATE.match(cleaned)
        if match:
            try:
                start = date(*(int(part) for part in match.groups()))
            except ValueError:
                raise ValueError(f"“{cleaned}” is not a date.") from None
            found = self.by_start.get(start, [])
        else:
            window = label_window(cleaned)
            if window is None:
                raise ValueError(
                    f"“{cleaned}” is not a period: write its start date (2025-01-01) or a "
                    f"label such as {self._example()}."
                )
            found = self.by_window.get(window, [])
        if len(found) > 1:
            found = [p for p in found if p.in_schedule] or found[:1]
        if len(found) == 1:
            return found[0]
        if not self.periods:
            raise ValueError("This indicator has no reporting periods.")
        first, last = self.periods[0], self.periods[-1]
        frequency = FREQUENCY_WORDS.get(self.indicator.frequency, self.indicator.frequency)
        raise ValueError(
            f"This indicator has no period “{cleaned}”: it reports {frequency}, from "
            f"{period_label(first.start_date, first.end_date)} to "
            f"{period_label(last.start_date, last.end_date)} (e.g. {self._example()})."
        )

    def _example(self) -> str:
        return period_label(*window_containing(date(2025, 1, 1), self.indicator.frequency))


@dataclass
class PartnershipIndex:
    by_id: dict[int, IndicatorInfo]
    by_name: dict[str, IndicatorInfo]
    organizations: dict[int, Organization]  # the reporting organizations
    organizations_by_name: dict[str, Organization] = field(default_factory=dict)

    def find_indicator(self, text: str) -> IndicatorInfo:
        cleaned = " ".join(text.split())
        if not cleaned:
            raise ValueError("No indicator.")
        if cleaned.isdigit() and int(cleaned) in self.by_id:
            return self.by_id[int(cleaned)]
        found = self.by_name.get(cleaned.casefold())
        if found is None:
            raise ValueError(f"This partnership has no indicator “{cleaned}”.")
        return found

    def find_organization(self, text: str) -> Organization | None:
        """A reporting organization by id or name (case does not matter)."""
        if text.isdigit() and int(text) in self.organizations:
            return self.organizations[int(text)]
        return self.organizations_by_name.get(text.casefold())


def partnership_index(*, workspace: Workspace, partnership: Partnership) -> PartnershipIndex:
    """The partnership's indicators with their periods, categories and reporting
    organizations. Four queries, whatever the size."""
    indicators = list(
        Indicator.objects.for_workspace(workspace)
        .filter(partnership=partnership)
        .select_related("partnership")
    )
    infos = {i.pk: IndicatorInfo(i, [], {}, {}, set()) for i in indicators}
    ids = list(infos)
    for period in (
        ReportingPeriod.objects.for_workspace(workspace)
        .filter(indicator_id__in=ids)
        .order_by("start_date", "end_date", "id")
    ):
        infos[period.indicator_id].add_period(period)
    for category in (
        DimensionCategory.objects.for_workspace(workspace)
        .filter(dimension__indicator_id__in=ids)
        .select_related("dimension")
        .order_by("dimension__position", "dimension_id", "position", "id")
    ):
        dimension = category.dimension
        info = infos[dimension.indicator_id]
        info.categories[category_key(dimension.name, category.name)] = category
        entry = info.dimensions.setdefault(dimension.pk, (dimension.name, dimension.exhaustive, []))
        entry[2].append(category.pk)
    organizations: dict[int, Organization] = {}
    for reporter in (
        IndicatorReporter.objects.for_workspace(workspace)
        .filter(indicator_id__in=ids)
        .select_related("organization")
    ):
        infos[reporter.indicator_id].reporter_ids.add(reporter.organization_id)
        organizations[reporter.organization_id] = reporter.organization
    return PartnershipIndex(
        by_id=infos,
        by_name={info.indicator.name.casefold(): info for info in infos.values()},
        organizations=organizations,
        organizations_by_name={org.name.casefold(): org for org in organizations.values()},
    )


def _other_organizations(workspace: Workspace, texts: set[str]) -> dict[str, Organization]:
    """Organizations of the workspace named in the file (by name or id) that report
    nothing here, so that the row can say "does not report" rather than "unknown"; keyed
    by lower-case name and by id as text. One query."""
    if not texts:
        return {}
    ids = [int(text) for text in texts if text.isdigit() and len(text) < 19]
    rows = (
        Organization.objects.for_workspace(workspace)
        .annotate(key=Lower("name"))
        .filter(Q(key__in=sorted(texts)) | Q(pk__in=ids))
    )
    found: dict[str, Organization] = {}
    for org in rows:
        found[str(org.pk)] = org
        found[org.name.casefold()] = org
    return found


# --- The analysis ---------------------------------------------------------------------


@dataclass
class RowPlan:
    number: int
    outcome: str = CREATE
    reasons: list[str] = field(default_factory=list)
    indicator_text: str = ""
    period_text: str = ""
    organization_text: str = ""
    value_text: str = ""
    info: IndicatorInfo | None = None
    period: ReportingPeriod | None = None
    organization: Organization | None = None
    value: Decimal | None = None
    breakdown: dict[int, Decimal] = field(default_factory=dict)
    note: str = ""
    existing: Measurement | None = None
    _key: tuple[int, int, int] | None = field(default=None, repr=False)

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)

    def refuse(self, reason: str) -> None:
        self.outcome = REFUSED
        self.reasons.append(reason)

    @property
    def key(self) -> tuple[int, int, int] | None:
        """(indicator, period, organization) ids once all three are known."""
        if self._key is None and self.info and self.period and self.organization:
            self._key = (self.info.indicator.pk, self.period.pk, self.organization.pk)
        return self._key

    def entry(self, outcome: str | None = None, reason: str | None = None) -> dict[str, Any]:
        """The row as the preview and the report show it."""
        return {
            "row": self.number,
            "indicator": self.info.indicator.name if self.info else self.indicator_text,
            "period": (
                period_label(self.period.start_date, self.period.end_date)
                if self.period
                else self.period_text
            ),
            "organization": self.organization.name if self.organization else self.organization_text,
            "value": number_text(self.value) if self.value is not None else self.value_text,
            "outcome": outcome or self.outcome,
            "reason": reason if reason is not None else self.reason,
        }


@dataclass
class ImportAnalysis:
    columns: list[str]
    rows: list[RowPlan]

    def of(self, *outcomes: str) -> list[RowPlan]:
        return [row for row in self.rows if row.outcome in outcomes]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def to_write(self) -> int:
        return self.count(CREATE) + self.count(UPDATE)


def _resolve(raw: RawRow, index: PartnershipIndex, others: dict[str, Organization]) -> RowPlan:
    """Find the indicator, period and organization a row names, and read its numbers."""
    cells = raw.cells
    plan = RowPlan(
        number=raw.number,
        indicator_text=cells.get(INDICATOR, ""),
        period_text=cells.get(PERIOD, ""),
        organization_text=cells.get(ORGANIZATION, ""),
        value_text=cells.get(VALUE, ""),
        note=cells.get(NOTE, ""),
    )
    if raw.extra_cells:
        plan.refuse("The row has more cells than the header has columns.")
    try:
        plan.info = index.find_indicator(plan.indicator_text)
    except ValueError as exc:
        plan.refuse(str(exc))
    organization_text = " ".join(plan.organization_text.split())
    if not organization_text:
        plan.refuse("No organization.")
    else:
        plan.organization = index.find_organization(organization_text) or others.get(
            organization_text.casefold()
        )
        if plan.organization is None:
            plan.refuse(f"There is no organization “{organization_text}” in this workspace.")
    if plan.info is None:
        return plan
    try:
        plan.period = plan.info.find_period(plan.period_text)
    except ValueError as exc:
        plan.refuse(str(exc))
    value_type = plan.info.indicator.value_type
    try:
        plan.value = parse_value(plan.value_text, value_type=value_type)
    except ValueError as exc:
        plan.refuse(str(exc))
    if len(plan.note.strip()) > NOTE_MAX_LENGTH:
        plan.refuse(f"The note is longer than {NOTE_MAX_LENGTH} characters.")
    for column in (c for c in cells if c not in BASE_COLUMNS):
        text = cells[column].strip()
        if not text:
            continue
        category = plan.info.categories.get(column)
        if category is None:
            plan.refuse(f"This indicator has no category “{column}”; leave that cell empty.")
            continue
        try:
            plan.breakdown[category.pk] = parse_value(text, value_type=value_type)
        except ValueError as exc:
            plan.refuse(f"{category.dimension.name}: {category.name}: {exc}")
    return plan


def _check_access(plan: RowPlan, access: PartnershipAccess) -> None:
    if plan.info is None or plan.organization is None:
        return
    organization = plan.organization
    if organization.pk not in plan.info.reporter_ids:
        plan.refuse(f"“{organization.name}” does not report this indicator.")
    elif not access.can(Action.EDIT_CONTENT) and access.organization_id != organization.pk:
        plan.refuse(f"You report for your own organization only, not for “{organization.name}”.")


def _breakdown_of(measurement: Measurement) -> dict[int, Decimal]:
    return {part.category_id: part.value for part in measurement.breakdown.all()}


def _effective_breakdown(plan: RowPlan, file_columns: set[str]) -> dict[int, Decimal]:
    """The row's breakdown; categories the file has no column for keep their values."""
    assert plan.info is not None
    present = {c.pk for key, c in plan.info.categories.items() if key in file_columns}
    kept = _breakdown_of(plan.existing) if plan.existing else {}
    merged = {cid: value for cid, value in kept.items() if cid not in present}
    merged.update(plan.breakdown)
    return merged


def _check_breakdown(plan: RowPlan) -> None:
    """Parts of an exhaustive dimension add up to the total, of another one stay within
    it (percentages excepted: a group's share is no part of the whole)."""
    assert plan.info is not None and plan.value is not None
    if plan.info.indicator.value_type == ValueType.PERCENTAGE:
        return
    for name, exhaustive, category_ids in plan.info.dimensions.values():
        parts = [plan.breakdown[cid] for cid in category_ids if cid in plan.breakdown]
        if not parts:
            continue
        total = sum(parts, Decimal(0))
        if exhaustive and total != plan.value:
            plan.refuse(
                f"{name}: the parts add up to {number_text(total)}, but they must add up to "
                f"the total, {number_text(plan.value)}."
            )
        elif not exhaustive and total > plan.value:
            plan.refuse(
                f"{name}: the parts add up to {number_text(total)}, more than the total, "
                f"{number_text(plan.value)}."
            )


def _classify(plan: RowPlan, *, has_note: bool) -> None:
    """create / update / unchanged / refused for a row that names a valid figure."""
    existing = plan.existing
    if existing is None:
        if plan.period is not None and plan.period.locked:
            plan.refuse("The period is locked: it takes no new figures.")
        else:
            plan.reasons.append("New figure.")
        return
    if not has_note:
        plan.note = existing.note
    changes = []
    if existing.value != plan.value:
        changes.append(f"value {number_text(existing.value)} → {number_text(plan.value)}")
    if _breakdown_of(existing) != plan.breakdown:
        changes.append("breakdown")
    if existing.note.strip() != plan.note.strip():
        changes.append("note")
    status = MeasurementStatus(existing.status)
    if not changes:
        if status in (MeasurementStatus.DRAFT, MeasurementStatus.RETURNED) and not (
            plan.period and plan.period.locked
        ):
            # The import submits what it writes: the same data sent to review again.
            plan.outcome = UPDATE
            plan.reasons.append(
                "Submits the draft figure."
                if status == MeasurementStatus.DRAFT
                else "Submits the returned figure again."
            )
        else:
            plan.outcome = UNCHANGED
            plan.reasons.append(f"Already on file ({status.label.lower()}).")
        return
    if status == MeasurementStatus.APPROVED:
        plan.refuse("Approved figures cannot be changed.")
    elif plan.period is not None and plan.period.locked:
        plan.refuse("The period is locked: its figures can no longer change.")
    else:
        plan.outcome = UPDATE
        plan.reasons.append(f"Changes the {status.label.lower()} figure: {', '.join(changes)}.")


def analyze_rows(
    parsed: FigureFile,
    *,
    workspace: Workspace,
    partnership: Partnership,
    access: PartnershipAccess,
) -> ImportAnalysis:
    """Classify every row against the partnership as it is now (a handful of queries)."""
    index = partnership_index(workspace=workspace, partnership=partnership)
    named = {" ".join(raw.cells.get(ORGANIZATION, "").split()) for raw in parsed.rows}
    others = _other_organizations(
        workspace,
        {n.casefold() for n in named if n and index.find_organization(n) is None},
    )
    plans = [_resolve(raw, index, others) for raw in parsed.rows]
    for plan in plans:
        _check_access(plan, access)
    # Rows repeating a figure: every one of them is refused.
    by_key: dict[tuple[int, int, int], list[RowPlan]] = {}
    for plan in plans:
        if plan.key is not None:
            by_key.setdefault(plan.key, []).append(plan)
    for group in by_key.values():
        if len(group) > 1:
            numbers = ", ".join(str(p.number) for p in group)
            for plan in group:
                plan.refuse(
                    f"Rows {numbers} give the same indicator, period and organization; "
                    "keep one of them."
                )
    existing = _existing_figures(workspace, [p.key for p in plans if p.key is not None])
    columns = set(parsed.columns)
    has_note = NOTE in columns
    for plan in plans:
        if plan.outcome == REFUSED or plan.key is None:
            continue
        plan.existing = existing.get(plan.key)
        plan.breakdown = _effective_breakdown(plan, columns)
        _check_breakdown(plan)
        if plan.outcome != REFUSED:
            _classify(plan, has_note=has_note)
    return ImportAnalysis(columns=parsed.columns, rows=plans)


def _existing_figures(
    workspace: Workspace, keys: Iterable[tuple[int, int, int]]
) -> dict[tuple[int, int, int], Measurement]:
    """The figures on file for these keys, with their breakdowns. Two queries."""
    keys = set(keys)
    if not keys:
        return {}
    figures = (
        Measurement.objects.for_workspace(workspace)
        .filter(
            indicator_id__in={k[0] for k in keys},
            period_id__in={k[1] for k in keys},
            organization_id__in={k[2] for k in keys},
        )
        .prefetch_related("breakdown")
    )
    found = {(m.indicator_id, m.period_id, m.organization_id): m for m in figures}
    return {key: m for key, m in found.items() if key in keys}
