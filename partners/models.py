"""Organizations of the workspace's directory."""

from __future__ import annotations

from django.db import models

from partnerhub.models import TenantModel


class Sector(models.TextChoices):
    NONPROFIT = "nonprofit", "Nonprofit"
    BUSINESS = "business", "Business"
    GOVERNMENT = "government", "Government"
    ACADEMIC = "academic", "Academic"
    PHILANTHROPY = "philanthropy", "Philanthropy"
    COMMUNITY = "community", "Community group"
    MULTILATERAL = "multilateral", "Multilateral"


class Organization(TenantModel):
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    mission = models.TextField(blank=True)
    website = models.URLField(blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["workspace", "name"], name="organization_unique_name"),
        ]
        indexes = [models.Index(fields=["workspace", "updated_at", "id"], name="organization_ws_updated")]

    def __str__(self) -> str:
        return self.name
