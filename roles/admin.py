"""Django admin for platform staff: role assignments, inspected workspace by workspace
(see partners.admin.TenantAdmin for how the workspace is chosen under Row-Level Security).
"""

from __future__ import annotations

from django.contrib import admin

from partners.admin import TenantAdmin
from roles.models import RoleAssignment


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(TenantAdmin):
    list_display = ("id", "partnership", "goal", "milestone", "organization", "raci", "workspace")
    list_filter = ("workspace", "raci")
    raw_id_fields = ("partnership", "goal", "milestone", "organization", "person")
