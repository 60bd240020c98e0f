"""Discovery of the tenant models, shared by the security tests.

Tests iterate over whatever models exist when they run, so a table added later is
checked without anyone remembering to list it here.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from partnerhub.models import TenantModel, Workspace


def tenant_models() -> list[type[models.Model]]:
    """Every concrete model with its own table that inherits TenantModel."""
    found = [
        model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and not model._meta.proxy and model._meta.managed
    ]
    return sorted(found, key=lambda model: model._meta.label)


def has_workspace_field(model: type[models.Model]) -> bool:
    try:
        field = model._meta.get_field("workspace")
    except Exception:
        return False
    return bool(field.is_relation and field.related_model is Workspace)


def references_to_tenant_rows() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every (model, foreign key) pointing at a tenant model's row, auto-created
    many-to-many tables included: each must stay inside one workspace."""
    tenant = set(tenant_models())
    pairs = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model in tenant:
                pairs.append((model, field))
    return sorted(pairs, key=lambda pair: (pair[0]._meta.label, pair[1].name))
