"""RACI: who is Responsible, Accountable, Consulted or Informed for each goal and milestone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from goals.models import Milestone, SharedGoal
from partnerhub.models import TenantModel
from partners.models import Organization, Partnership


class Raci(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class RoleAssignment(TenantModel):
    """One cell of the matrix: an organization's letter on one goal or one milestone
    (exactly one of the two), optionally naming a person of that organization."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    goal = models.ForeignKey(
        SharedGoal, on_delete=models.CASCADE, null=True, blank=True, related_name="roles"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="roles"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raci = models.CharField(max_length=1, choices=Raci.choices)

    class Meta(TenantModel.Meta):
        ordering = ["partnership", "goal", "milestone", "raci", "id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(
                condition=(Q(goal__isnull=False) & Q(milestone__isnull=True))
                | (Q(goal__isnull=True) & Q(milestone__isnull=False)),
                name="role_on_goal_xor_milestone",
            ),
            models.UniqueConstraint(
                fields=["goal", "organization"],
                condition=Q(goal__isnull=False),
                name="role_one_letter_per_goal_org",
            ),
            models.UniqueConstraint(
                fields=["milestone", "organization"],
                condition=Q(milestone__isnull=False),
                name="role_one_letter_per_milestone_org",
            ),
            models.UniqueConstraint(
                fields=["goal"],
                condition=Q(goal__isnull=False, raci="A"),
                name="role_one_accountable_per_goal",
            ),
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(milestone__isnull=False, raci="A"),
                name="role_one_accountable_per_milestone",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "updated_at", "id"], name="role_ws_updated"),
            models.Index(fields=["workspace", "partnership"], name="role_ws_partnership"),
            models.Index(fields=["workspace", "organization", "raci"], name="role_ws_org_raci"),
        ]
