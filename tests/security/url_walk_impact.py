"""URL-walk makers for the impact app: URL name -> the arguments of a fresh object of
workspace A. ``tests/security/test_url_walk.py`` merges ``IMPACT_MAKERS`` into its
registry; register every impact URL with arguments here."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile

from impact.models import MeasurementImport, MeasurementStatus
from partnerhub.tenancy import workspace_context
from tests.conftest import Cast
from tests.impact.helpers import (
    make_health_round,
    make_indicator,
    make_measurement,
    make_partnership,
    periods_of,
)

Maker = Callable[[Cast], dict[str, Any]]


def _indicator(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        indicator = make_indicator(cast, dimensions={"Gender": ["Female", "Male", "Another"]})
    return {"pk": indicator.pk}


def _period(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        indicator = make_indicator(cast)
        period = periods_of(indicator)[0]
    return {"pk": period.pk, "indicator_pk": indicator.pk, "period_pk": period.pk}


def _measurement(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        indicator = make_indicator(cast)
        measurement = make_measurement(
            cast,
            indicator=indicator,
            period=periods_of(indicator)[0],
            value=5,
            status=MeasurementStatus.SUBMITTED,
        )
    return {"pk": measurement.pk}


def _measurement_with_evidence(cast: Cast) -> dict[str, Any]:
    """A figure with an evidence file (the download answers 404 without one)."""
    with workspace_context(cast.workspace):
        indicator = make_indicator(cast)
        measurement = make_measurement(
            cast, indicator=indicator, period=periods_of(indicator)[0], value=5
        )
        pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        measurement.evidence_file.save("walk.pdf", ContentFile(pdf), save=False)
        measurement.evidence_name = "walk.pdf"
        measurement.evidence_content_type = "application/pdf"
        measurement.save()
    return {"pk": measurement.pk}


def _measurement_import(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        partnership = make_partnership(cast)
        record = MeasurementImport(
            workspace=cast.workspace,
            partnership=partnership,
            original_name="figures.csv",
            created_by=cast.coordinator,
        )
        record.file.save("figures.csv", ContentFile(io.BytesIO(b"indicator,period\n").read()))
    return {"pk": record.pk, "partnership_pk": partnership.pk}


def _health_round(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        health_round = make_health_round(cast)
    return {"pk": health_round.pk, "partnership_pk": health_round.partnership_id}


def _partnership(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        partnership = make_partnership(cast)
    return {"pk": partnership.pk}


def pick(maker: Maker, **names: str) -> Maker:
    """The same objects under the URL's own argument names (new name=maker's name)."""

    def picked(cast: Cast) -> dict[str, Any]:
        values = maker(cast)
        return {new: values[old] for new, old in names.items()}

    return picked


# Register each impact URL name that takes arguments (other than the workspace slug).
IMPACT_MAKERS: dict[str, Maker] = {
    # API: indicators, periods, figures, progress
    "api_indicator-detail": _indicator,
    "api_indicator-progress": _indicator,
    "api_period-detail": pick(_period, pk="pk"),
    "api_measurement-detail": _measurement,
    "api_measurement-submit": _measurement,
    "api_measurement-approve": _measurement,
    "api_measurement-return": _measurement,
    # Pages: indicators and their periods
    "indicator_list": _partnership,
    "indicator_create": _partnership,
    "indicator_detail": _indicator,
    "indicator_edit": _indicator,
    "indicator_delete": _indicator,
    "period_lock": pick(_period, pk="pk"),
    "period_target": pick(_period, pk="pk"),
    # Pages: reporting figures and reviewing them
    "measurement_report": pick(_period, indicator_pk="indicator_pk", period_pk="period_pk"),
    "measurement_detail": _measurement,
    "measurement_review": _measurement,
    "measurement_evidence": _measurement_with_evidence,
    # Health check: pages and API
    "health_round_list": _partnership,
    "health_round_create": _partnership,
    "health_round_results": pick(_health_round, pk="pk"),
    "health_round_edit": pick(_health_round, pk="pk"),
    "health_round_answer": pick(_health_round, pk="pk"),
    "api_health_round-detail": pick(_health_round, pk="pk"),
    "api_health_round-results": pick(_health_round, pk="pk"),
    # Pages: the partnership dashboard and the printable impact report
    "partnership_dashboard": _partnership,
    "impact_report": _partnership,
    # Spreadsheets: import of figures, export of indicators
    "measurement_import": _partnership,
    "measurement_import_template": _partnership,
    "measurement_import_detail": pick(_measurement_import, pk="pk"),
    "measurement_import_apply": pick(_measurement_import, pk="pk"),
    "measurement_import_progress": pick(_measurement_import, pk="pk"),
    "indicator_export_csv": _partnership,
    # IATI activity XML: page download and API
    "partnership_iati": _partnership,
    "api_partnership-iati": _partnership,
}

# Makers available to the entries above: _indicator (pk), _period (pk, indicator_pk,
# period_pk), _measurement (pk), _measurement_import (pk, partnership_pk), _health_round
# (pk, partnership_pk), _partnership (pk).
__all__ = ["IMPACT_MAKERS", "pick"]
