"""Impact's objects in webhook payloads, exactly as the API returns them."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects

from impact.api_measurements import RELATED
from impact.models import Indicator, Measurement
from impact.progress import indicators_progress
from impact.selectors import indicator_get, measurement_get
from impact.serializers import IndicatorSerializer, MeasurementSerializer
from partnerhub.access import WorkspaceAccess
from partnerhub.models import Role, Workspace
from partnerhub.webhooks import register_webhook_resource


def _everything(workspace: Workspace) -> WorkspaceAccess:
    # A webhook goes to the workspace's own integration: it sees what an admin sees.
    return WorkspaceAccess(workspace=workspace, role=Role.ADMIN)


def indicator_data(workspace: Workspace, pk: int) -> dict[str, Any] | None:
    try:
        indicator = indicator_get(
            workspace=workspace, access=_everything(workspace), indicator_id=pk
        )
    except Indicator.DoesNotExist:
        return None
    prefetch_related_objects([indicator], "reporters", "dimensions__categories")
    progress = indicators_progress(workspace=workspace, indicator_ids=[indicator.pk])
    return IndicatorSerializer(indicator, context={"progress": progress}).data


def measurement_data(workspace: Workspace, pk: int) -> dict[str, Any] | None:
    try:
        measurement = measurement_get(
            workspace=workspace, access=_everything(workspace), measurement_id=pk
        )
    except Measurement.DoesNotExist:
        return None
    prefetch_related_objects([measurement], *RELATED[2:], "breakdown")
    return MeasurementSerializer(measurement).data


def register() -> None:
    register_webhook_resource("impact.indicator", indicator_data)
    register_webhook_resource("impact.measurement", measurement_data)
