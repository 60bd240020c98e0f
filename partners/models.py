"""The partners app: the organization directory and the partnerships formed from it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from partnerhub.models import ApiKey, TenantModel


class Sector(models.TextChoices):
    NONPROFIT = "nonprofit", "Nonprofit"
    BUSINESS = "business", "Business"
    GOVERNMENT = "government", "Government"
    ACADEMIC = "academic", "Academic"
    PHILANTHROPY = "philanthropy", "Philanthropy"
    COMMUNITY = "community", "Community group"
    MULTILATERAL = "multilateral", "Multilateral"


class Resource(models.TextChoices):
    """One shared vocabulary for what organizations offer and what they (or a
    partnership) need."""

    FUNDING = "funding", "Funding"
    EXPERTISE = "expertise", "Expertise"
    VOLUNTEERS = "volunteers", "Volunteers"
    DATA = "data", "Data"
    TECHNOLOGY = "technology", "Technology"
    DISTRIBUTION = "distribution", "Distribution"
    FACILITIES = "facilities", "Facilities"
    ADVOCACY = "advocacy", "Advocacy"
    LOCAL_KNOWLEDGE = "local_knowledge", "Local knowledge"
    TRAINING = "training", "Training"
    RESEARCH = "research", "Research and evaluation"
    NETWORKS = "networks", "Networks and convening"
    POLICY = "policy", "Policy access"
    COMMUNICATIONS = "communications", "Communications"
    IN_KIND = "in_kind", "In-kind goods"


SDG_NAMES = {
    1: "No poverty",
    2: "Zero hunger",
    3: "Good health and well-being",
    4: "Quality education",
    5: "Gender equality",
    6: "Clean water and sanitation",
    7: "Affordable and clean energy",
    8: "Decent work and economic growth",
    9: "Industry, innovation and infrastructure",
    10: "Reduced inequalities",
    11: "Sustainable cities and communities",
    12: "Responsible consumption and production",
    13: "Climate action",
    14: "Life below water",
    15: "Life on land",
    16: "Peace, justice and strong institutions",
    17: "Partnerships for the goals",
}


class OrganizationSize(models.TextChoices):
    MICRO = "micro", "Fewer than 10 people"
    SMALL = "small", "10 to 49 people"
    MEDIUM = "medium", "50 to 249 people"
    LARGE = "large", "250 people or more"


class Organization(TenantModel):
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    mission = models.TextField(blank=True)
    website = models.URLField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    region = models.CharField(max_length=120, blank=True, help_text="Region or city")
    size = models.CharField(max_length=10, choices=OrganizationSize.choices, blank=True)
    iati_identifier = models.CharField("IATI organisation identifier", max_length=100, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["workspace", "name"], name="organization_unique_name"),
            models.UniqueConstraint(
                fields=["workspace", "iati_identifier"],
                condition=~Q(iati_identifier=""),
                name="organization_unique_iati",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="organization_ws_updated"),
            models.Index(fields=["workspace", "sector", "name"], name="organization_ws_sector"),
            models.Index(fields=["workspace", "country", "name"], name="organization_ws_country"),
        ]

    def __str__(self) -> str:
        return self.name


class TraitKind(models.TextChoices):
    SDG = "sdg", "Sustainable Development Goal"
    TAG = "tag", "Focus tag"
    OFFERS = "offers", "Offers"
    NEEDS = "needs", "Needs"


class OrganizationTrait(TenantModel):
    """A facet of an organization: an SDG it works on, a free focus tag, or a resource
    it offers or needs. One row per value keeps filters, facet counts and the
    discovery ranking in plain indexed SQL on every database."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="traits")
    kind = models.CharField(max_length=10, choices=TraitKind.choices)
    value = models.CharField(max_length=60)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "kind", "value"], name="trait_unique"),
        ]
        indexes = [models.Index(fields=["workspace", "kind", "value"], name="trait_ws_kind_value")]


class Contact(TenantModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="contact_ws_updated")
        ]


class PartnershipModel(models.TextChoices):
    PUBLIC_PRIVATE = "public_private", "Public-private partnership"
    CROSS_SECTOR = "cross_sector", "Cross-sector partnership"
    COLLECTIVE_IMPACT = "collective_impact", "Collective impact initiative"
    OTHER = "other", "Other"


class PartnershipStatus(models.TextChoices):
    EXPLORING = "exploring", "Exploring"
    FORMING = "forming", "Forming"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    DISSOLVED = "dissolved", "Dissolved"


class Partnership(TenantModel):
    name = models.CharField(max_length=200)
    model = models.CharField(max_length=20, choices=PartnershipModel.choices)
    status = models.CharField(
        max_length=12, choices=PartnershipStatus.choices, default=PartnershipStatus.EXPLORING
    )
    common_agenda = models.TextField(blank=True)
    needs = models.JSONField(
        default=list, blank=True, help_text="Resource codes the partnership needs"
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    lead_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    iati_identifier = models.CharField("IATI activity identifier", max_length=150, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["workspace", "name"], name="partnership_unique_name"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="partnership_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="partnership_ws_updated"),
            models.Index(fields=["workspace", "status", "name"], name="partnership_ws_status"),
        ]

    def __str__(self) -> str:
        return self.name


class PartnershipStatusChange(TenantModel):
    """Every status transition: who, when, why."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, choices=PartnershipStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=PartnershipStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partnership", "created_at"], name="status_change_partnership")
        ]


class Condition(models.TextChoices):
    COMMON_AGENDA = "common_agenda", "Common agenda"
    SHARED_MEASUREMENT = "shared_measurement", "Shared measurement"
    MUTUALLY_REINFORCING = "mutually_reinforcing", "Mutually reinforcing activities"
    CONTINUOUS_COMMUNICATION = "continuous_communication", "Continuous communication"
    BACKBONE_SUPPORT = "backbone_support", "Backbone support"


class CollectiveImpactCondition(TenantModel):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="conditions"
    )
    condition = models.CharField(max_length=30, choices=Condition.choices)
    in_place = models.BooleanField(default=False)
    evidence = models.TextField(blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["partnership", "condition"], name="condition_unique"),
        ]


class MemberRole(models.TextChoices):
    LEAD = "lead", "Lead / backbone"
    FUNDER = "funder", "Funder"
    IMPLEMENTER = "implementer", "Implementer"
    ADVISOR = "advisor", "Advisor"
    EVALUATOR = "evaluator", "Evaluator"
    COMMUNITY = "community", "Community partner"


# IATI OrganisationRole codes: 1 Funding, 2 Accountable, 3 Extending, 4 Implementing.
IATI_ROLE_FOR_MEMBER_ROLE = {
    MemberRole.LEAD: 2,
    MemberRole.FUNDER: 1,
    MemberRole.IMPLEMENTER: 4,
    MemberRole.ADVISOR: 3,
    MemberRole.EVALUATOR: 3,
    MemberRole.COMMUNITY: 4,
}


class PartnershipMember(TenantModel):
    """An organization's membership of a partnership; leaving keeps the row (history)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="members")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    roles = models.JSONField(
        default=list, help_text="Member role codes; an organization may hold several"
    )
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["partnership", "organization__name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["partnership", "organization"],
                condition=Q(left_on__isnull=True),
                name="member_one_current_per_org",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="member_ws_updated"),
            models.Index(fields=["workspace", "organization", "partnership"], name="member_ws_org"),
        ]

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class CommitmentKind(models.TextChoices):
    CASH = "cash", "Cash"
    IN_KIND = "in_kind", "In kind"
    STAFF_TIME = "staff_time", "Staff time"


class Commitment(TenantModel):
    """What a member pledged. Cash and in-kind are valued in ``currency``; staff time in hours."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="commitments"
    )
    member = models.ForeignKey(
        PartnershipMember, on_delete=models.PROTECT, related_name="commitments"
    )
    kind = models.CharField(max_length=12, choices=CommitmentKind.choices)
    description = models.CharField(max_length=300, blank=True)
    currency = models.CharField(
        max_length=3, blank=True, help_text="ISO 4217 code for cash and in-kind value"
    )
    pledged = models.DecimalField(max_digits=16, decimal_places=2)
    pledged_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["partnership", "pledged_on", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(pledged__gt=Decimal("0")), name="commitment_pledged_positive"
            ),
            models.CheckConstraint(
                condition=Q(kind="staff_time", currency="")
                | (~Q(kind="staff_time") & ~Q(currency="")),
                name="commitment_currency_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="commitment_ws_updated")
        ]


class CommitmentDelivery(TenantModel):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="deliveries")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    delivered_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["delivered_on", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal("0")), name="delivery_amount_positive"
            ),
        ]


class DocumentKind(models.TextChoices):
    MOU = "mou", "Memorandum of understanding"
    CONTRACT = "contract", "Contract"
    OTHER = "other", "Other agreement"


def agreement_upload_to(instance: AgreementDocument, filename: str) -> str:
    # Never the uploaded name: a random path per file; the name is kept as metadata.
    import uuid

    return f"agreements/{instance.workspace_id}/{uuid.uuid4().hex}"


class AgreementDocument(TenantModel):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=DocumentKind.choices, default=DocumentKind.MOU)
    file = models.FileField(upload_to=agreement_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="document_ws_updated")
        ]


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Previewed"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class OrganizationImport(TenantModel):
    """A CSV import of organizations: validated in a preview, then applied (in a Celery
    task for large files) with visible progress."""

    file = models.FileField(upload_to="imports/organizations/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]
