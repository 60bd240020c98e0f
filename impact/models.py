"""Impact measurement: indicators, their reporting periods, the figures partners submit
and coordinators review, and the partnership health check.

Progress toward a target and on-track status are derived (``impact.progress``), never
stored: only approved figures count.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from goals.models import SharedGoal
from partnerhub.models import ApiKey, TenantModel
from partners.models import Organization, Partnership

VALUE_DIGITS = 18
VALUE_DECIMALS = 4


def value_field(verbose_name: str = "", **kwargs):  # type: ignore[no-untyped-def]
    return models.DecimalField(
        verbose_name or None, max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS, **kwargs
    )


class ValueType(models.TextChoices):
    NUMBER = "number", "Number"
    PERCENTAGE = "percentage", "Percentage"
    CURRENCY = "currency", "Currency"


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase is better"
    DECREASE = "decrease", "Decrease is better"


class ResultLevel(models.TextChoices):
    OUTPUT = "output", "Output"
    OUTCOME = "outcome", "Outcome"
    IMPACT = "impact", "Impact"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    HALF_YEARLY = "half_yearly", "Half-yearly"
    ANNUAL = "annual", "Annual"


class Aggregation(models.TextChoices):
    SUM = "sum", "Sum of the periods"
    LATEST = "latest", "Latest period"
    AVERAGE = "average", "Average of the periods"


class Indicator(TenantModel):
    """What a partnership measures, from a baseline toward a target."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="indicators"
    )
    goal = models.ForeignKey(
        SharedGoal, on_delete=models.SET_NULL, null=True, blank=True, related_name="indicators"
    )
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True, help_text="What is counted, and how")
    unit = models.CharField(max_length=50, blank=True, help_text="e.g. people, tonnes, %")
    value_type = models.CharField(max_length=12, choices=ValueType.choices)
    currency = models.CharField(
        max_length=3, blank=True, help_text="ISO 4217 code, for currency indicators"
    )
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.INCREASE
    )
    result_level = models.CharField(
        max_length=8, choices=ResultLevel.choices, default=ResultLevel.OUTPUT
    )
    baseline_value = value_field("Baseline value")
    baseline_date = models.DateField()
    target_value = value_field("Target value")
    target_date = models.DateField()
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    aggregation = models.CharField(
        max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    reporting_organizations = models.ManyToManyField(
        Organization, through="IndicatorReporter", related_name="+", blank=True
    )

    class Meta(TenantModel.Meta):
        ordering = ["partnership", "name", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(target_date__gte=models.F("baseline_date")),
                name="indicator_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(value_type="currency", currency__regex=r"^[A-Z]{3}$")
                | (~Q(value_type="currency") & Q(currency="")),
                name="indicator_currency_matches_type",
            ),
            models.UniqueConstraint(
                fields=["partnership", "name"], name="indicator_unique_name_per_partnership"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="indicator_ws_updated"),
            models.Index(
                fields=["workspace", "partnership", "name"], name="indicator_ws_partnership"
            ),
            models.Index(fields=["workspace", "goal"], name="indicator_ws_goal"),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorReporter(TenantModel):
    """An organization that reports figures for an indicator."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="reporters")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")

    class Meta(TenantModel.Meta):
        ordering = ["indicator", "organization__name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["indicator", "organization"], name="reporter_unique_per_indicator"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "organization", "indicator"], name="reporter_ws_org"),
            models.Index(fields=["workspace", "updated_at", "id"], name="reporter_ws_updated"),
        ]


class Dimension(TenantModel):
    """A disaggregation of an indicator (gender, age group, district). When ``exhaustive``
    its categories cover every case, so a figure's breakdown must add up to its total."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="dimensions")
    name = models.CharField(max_length=80)
    exhaustive = models.BooleanField(
        default=True, help_text="The categories cover everyone: the breakdown adds up to the total"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantModel.Meta):
        ordering = ["indicator", "position", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["indicator", "name"], name="dimension_unique_name_per_indicator"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "indicator", "position"], name="dimension_ws_ind"),
            models.Index(fields=["workspace", "updated_at", "id"], name="dimension_ws_updated"),
        ]

    def __str__(self) -> str:
        return self.name


class DimensionCategory(TenantModel):
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantModel.Meta):
        ordering = ["dimension", "position", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["dimension", "name"], name="category_unique_name_per_dimension"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "dimension", "position"], name="category_ws_dim"),
            models.Index(fields=["workspace", "updated_at", "id"], name="category_ws_updated"),
        ]

    def __str__(self) -> str:
        return self.name


class ReportingPeriod(TenantModel):
    """One reporting window of an indicator, generated from its frequency.

    A period the schedule no longer contains (after the frequency or the dates changed) is
    kept while it holds figures, with ``in_schedule`` false; one without figures is
    deleted. A locked period refuses new or changed figures.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="periods")
    start_date = models.DateField()
    end_date = models.DateField()
    target_value = value_field("Period target", null=True, blank=True)
    in_schedule = models.BooleanField(default=True)
    locked = models.BooleanField(default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["indicator", "start_date", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="period_dates_ordered"
            ),
            models.UniqueConstraint(
                fields=["indicator", "start_date", "end_date"], name="period_unique_window"
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "indicator", "start_date"], name="period_ws_indicator"
            ),
            # The missing-data board and the reminders walk closed periods by end date.
            models.Index(fields=["workspace", "end_date", "id"], name="period_ws_end"),
            models.Index(fields=["workspace", "updated_at", "id"], name="period_ws_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.start_date:%Y-%m-%d} to {self.end_date:%Y-%m-%d}"


class MeasurementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


def evidence_upload_to(instance: Measurement, filename: str) -> str:
    return f"evidence/{instance.workspace_id}/{instance.indicator_id}/{filename}"


class Measurement(TenantModel):
    """One organization's figure for one period of an indicator, and its review.

    ``partnership`` repeats the indicator's partnership so that scoping and the dashboard
    aggregates need no join. ``version`` grows by one on every change (optimistic
    concurrency, as for milestones).
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    # RESTRICT: a period holding figures cannot be deleted on its own, but deleting the
    # indicator takes periods and figures together.
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.RESTRICT, related_name="measurements"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    value = value_field("Value")
    note = models.TextField(blank=True)
    evidence_file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=300)
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    evidence_link = models.URLField(blank=True, max_length=500)
    status = models.CharField(
        max_length=10, choices=MeasurementStatus.choices, default=MeasurementStatus.DRAFT
    )
    review_note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta(TenantModel.Meta):
        ordering = ["indicator", "period__start_date", "organization__name", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["indicator", "period", "organization"],
                name="measurement_one_per_org_and_period",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="measurement_ws_updated"),
            # Progress aggregates read only approved figures: an index-only scan of this
            # partial index gives value per indicator and period without the heap.
            models.Index(
                fields=["workspace", "indicator", "period"],
                include=["value", "organization"],
                condition=Q(status="approved"),
                name="measurement_ws_approved",
            ),
            # Figures waiting for review, read like the approved ones by the dashboards'
            # owed counts (an index-only scan; few figures wait at any time).
            models.Index(
                fields=["workspace", "indicator", "period"],
                include=["organization"],
                condition=Q(status="submitted"),
                name="measurement_ws_submitted",
            ),
            models.Index(
                fields=["workspace", "partnership", "status"], name="measurement_ws_pship_status"
            ),
            models.Index(
                fields=["workspace", "status", "submitted_at", "id"], name="measurement_ws_status"
            ),
            models.Index(fields=["workspace", "organization", "period"], name="measurement_ws_org"),
            models.Index(
                fields=["workspace", "period", "organization"], name="measurement_ws_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period}: {self.value}"


class MeasurementBreakdown(TenantModel):
    """The part of a figure that falls in one category of a dimension."""

    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="breakdown")
    category = models.ForeignKey(DimensionCategory, on_delete=models.CASCADE, related_name="+")
    value = value_field("Value")

    class Meta(TenantModel.Meta):
        ordering = ["measurement", "category__dimension__position", "category__position"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["measurement", "category"], name="breakdown_one_per_category"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "measurement"], name="breakdown_ws_measurement"),
            models.Index(fields=["workspace", "category"], name="breakdown_ws_category"),
            models.Index(fields=["workspace", "updated_at", "id"], name="breakdown_ws_updated"),
        ]


class MeasurementEventKind(models.TextChoices):
    SAVED = "saved", "Saved as draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"
    IMPORTED = "imported", "Imported"


class MeasurementEvent(TenantModel):
    """The submission and review history of a figure (shown on the indicator page)."""

    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="events")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=MeasurementEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    value = value_field("Value")
    note = models.TextField(blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["workspace", "indicator", "created_at"], name="mevent_ws_indicator"
            ),
            models.Index(
                fields=["workspace", "measurement", "created_at"], name="mevent_ws_measurement"
            ),
        ]


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


def import_upload_to(instance: MeasurementImport, filename: str) -> str:
    return f"imports/{instance.workspace_id}/{filename}"


class MeasurementImport(TenantModel):
    """A CSV of figures: checked row by row in a preview, then applied (by a Celery task
    for large files). ``report`` holds one entry per row: line, outcome and reason."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=import_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["workspace", "partnership", "created_at"], name="mimport_ws_pship"
            ),
        ]


# --- Partnership health check ---------------------------------------------------------


class HealthFactor(models.TextChoices):
    """The collaboration factors each respondent rates from 1 (strongly disagree) to 5
    (strongly agree). The labels are the statements the survey shows."""

    TRUST = "trust", "We trust each other to do what we say we will do."
    SHARED_VISION = "shared_vision", "We share a clear picture of what we want to change."
    ROLE_CLARITY = "role_clarity", "Each organization knows what it is responsible for."
    COMMUNICATION = "communication", "We hear about problems early and speak openly."
    DECISION_MAKING = "decision_making", "Decisions are made fairly and every voice counts."
    RESOURCES = "resources", "The partnership has the money, people and time it needs."
    MUTUAL_BENEFIT = "mutual_benefit", "Taking part is worth it for my organization."
    ACCOUNTABILITY = "accountability", "We keep track of commitments and follow up on them."
    LEARNING = "learning", "We use our results to learn and adjust what we do."
    LEADERSHIP = "leadership", "The partnership is well led and coordinated."


HEALTH_FACTOR_SHORT_NAMES: dict[str, str] = {
    HealthFactor.TRUST: "Mutual trust",
    HealthFactor.SHARED_VISION: "Shared vision",
    HealthFactor.ROLE_CLARITY: "Clarity of roles",
    HealthFactor.COMMUNICATION: "Open communication",
    HealthFactor.DECISION_MAKING: "Fair decision-making",
    HealthFactor.RESOURCES: "Adequate resources",
    HealthFactor.MUTUAL_BENEFIT: "Mutual benefit",
    HealthFactor.ACCOUNTABILITY: "Accountability",
    HealthFactor.LEARNING: "Learning and adapting",
    HealthFactor.LEADERSHIP: "Leadership and coordination",
}

# Individual answers are only ever shown as an aggregate of at least this many people.
HEALTH_MIN_RESPONDENTS = 3


class HealthCheckRound(TenantModel):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="health_rounds"
    )
    title = models.CharField(max_length=120)
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["partnership", "-opens_on", "-id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="health_round_dates_ordered"
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "partnership", "opens_on"], name="health_round_ws_pship"
            ),
            models.Index(fields=["workspace", "closes_on"], name="health_round_ws_closes"),
            models.Index(fields=["workspace", "updated_at", "id"], name="health_round_ws_updated"),
        ]

    def __str__(self) -> str:
        return self.title


class HealthCheckResponse(TenantModel):
    """One person's answers in a round, on behalf of their organization. ``sector`` is the
    organization's sector when they answered (results compare sectors)."""

    round = models.ForeignKey(HealthCheckRound, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    sector = models.CharField(max_length=20)

    class Meta(TenantModel.Meta):
        ordering = ["round", "created_at", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["round", "respondent"], name="health_one_response_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "round", "sector"], name="health_resp_ws_round"),
        ]


class HealthCheckAnswer(TenantModel):
    response = models.ForeignKey(
        HealthCheckResponse, on_delete=models.CASCADE, related_name="answers"
    )
    round = models.ForeignKey(HealthCheckRound, on_delete=models.CASCADE, related_name="+")
    factor = models.CharField(max_length=20, choices=HealthFactor.choices)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["response", "factor"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["response", "factor"], name="health_one_answer_per_factor"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="health_score_1_to_5"
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "round", "factor"],
                include=["score"],
                name="health_ans_ws_round",
            ),
        ]
