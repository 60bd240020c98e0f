"""The benchmark's reference views (mounted under /bench/ only with BENCH_ENDPOINTS).

They are yardsticks, not features: each does the least a real endpoint could do for the
same answer, so the suite can say how far the real one is from it.

* E0 -- a small JSON document: no database, no transaction, no tenant (the framework's
  ceiling through the same middleware).
* E1-ref -- the first page of ``GET /api/v1/w/<slug>/measurements/`` (100 figures ordered
  by id, every field and nested object of ``MeasurementSerializer``, in the cursor
  envelope) built by PostgreSQL in one query (``json_build_object`` / ``json_agg``); the
  JSON text is the body, never parsed in Python. Before it: the Bearer key's one indexed
  lookup (as ``api_key_authenticate``) and the workspace's ``set_config`` for Row-Level
  Security. Skipped against the real endpoint: the rate limit (Redis), recording the
  key's last use (at most one write per key per resolution window), the list's ETag, and
  query-string filters, ordering and cursors (E1-ref serves the first page only).
* E3-ref -- the partnership dashboard's two aggregates for that partnership's indicators:
  progress (``impact.progress``'s set-based query, as ``indicators_progress`` runs it)
  and the owed and waiting figures (``impact.selectors_dashboard``'s query, as
  ``indicator_needs`` runs it for the dashboard), each's rows as JSON built by
  PostgreSQL: ``{"progress": [...], "needs": [...]}``. Before them: the workspace and its
  ``set_config``, and the partnership's indicator ids. No sign-in: it measures the SQL,
  not access.
"""

from __future__ import annotations

import base64
import hmac
from urllib.parse import quote

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from impact.models import MeasurementStatus
from impact.progress import _TO_DATE_SQL, _params
from impact.selectors_dashboard import _INDICATOR_NEEDS_SQL
from partnerhub.api.errors import problem_response
from partnerhub.models import Workspace
from partnerhub.services.api_keys import hash_secret, split_key
from partnerhub.tenancy import activate_workspace
from partners.services.partnerships import workspace_today

PAGE_SIZE = 100
JSON = "application/json"


@transaction.non_atomic_requests
def e0(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"service": "PartnerHub", "reference": "E0", "ok": True})


# --- E1-ref: the measurements list page built by PostgreSQL ----------------------------


def _iso(column: str) -> str:
    """A timestamp as DRF's ISO 8601 renders it in UTC: microseconds only when not zero,
    and ``Z`` for the offset (NULL stays NULL)."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(extract(microseconds FROM {column})::bigint, 1000000) = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || 'Z'"
    )


def _person(alias: str) -> str:
    return (
        f"CASE WHEN {alias}.id IS NULL THEN NULL ELSE json_build_object("
        f"'id', {alias}.id, 'name', coalesce(nullif({alias}.full_name, ''), {alias}.email)) END"
    )


# Decimals are rendered as text (DRF's COERCE_DECIMAL_TO_STRING): a numeric(18, 4) column's
# text has the serializer's four places. Breakdown rows in the model's order (dimension
# position, category position).
_ITEM = f"""json_build_object(
    'id', m.id,
    'partnership', m.partnership_id,
    'indicator', m.indicator_id,
    'period', json_build_object('id', p.id, 'start_date', p.start_date, 'end_date', p.end_date),
    'organization', json_build_object('id', o.id, 'name', o.name),
    'value', m.value::text,
    'breakdown', coalesce((
        SELECT json_agg(json_build_object('category', b.category_id, 'value', b.value::text)
                        ORDER BY d.position, c.position, b.id)
          FROM impact_measurementbreakdown b
          JOIN impact_dimensioncategory c ON c.id = b.category_id
          JOIN impact_dimension d ON d.id = c.dimension_id
         WHERE b.workspace_id = m.workspace_id AND b.measurement_id = m.id
    ), '[]'::json),
    'note', m.note,
    'evidence_link', m.evidence_link,
    'evidence_name', m.evidence_name,
    'status', m.status,
    'review_note', m.review_note,
    'submitted_at', {_iso("m.submitted_at")},
    'submitted_by', {_person("su")},
    'submitted_by_key', CASE WHEN k.id IS NULL THEN NULL
        ELSE json_build_object('id', k.id, 'name', k.name, 'prefix', k.prefix) END,
    'reviewed_at', {_iso("m.reviewed_at")},
    'reviewed_by', {_person("ru")},
    'version', m.version,
    'created_at', {_iso("m.created_at")},
    'updated_at', {_iso("m.updated_at")}
)"""  # noqa: S608 -- constant SQL; every value is a parameter

# One row more than the page tells whether a next page exists (as DRF's cursor does).
# The page's rows are chosen from the figures alone, before any join: with the joins in
# the same query level the planner, multiplying the selectivities of the repeated
# workspace filters, expects a few hundred rows, joins the whole workspace (200,000
# figures at full scale) and sorts it -- 1 s instead of a few ms.
MEASUREMENTS_PAGE_SQL = f"""
    WITH page AS MATERIALIZED (
        SELECT m.* FROM impact_measurement m
         WHERE m.workspace_id = %(workspace)s
         ORDER BY m.id
         LIMIT %(page_size)s + 1
    ), numbered AS (
        SELECT m.id, row_number() OVER (ORDER BY m.id) AS n, {_ITEM} AS item
          FROM page m
          JOIN impact_reportingperiod p ON p.id = m.period_id
          JOIN partners_organization o ON o.id = m.organization_id
          LEFT JOIN partnerhub_user su ON su.id = m.submitted_by_id
          LEFT JOIN partnerhub_apikey k ON k.id = m.submitted_by_key_id
          LEFT JOIN partnerhub_user ru ON ru.id = m.reviewed_by_id
    )
    SELECT coalesce(json_agg(item ORDER BY id) FILTER (WHERE n <= %(page_size)s),
                    '[]'::json)::text,
           max(id) FILTER (WHERE n <= %(page_size)s),
           count(*) > %(page_size)s
      FROM numbered
"""  # noqa: S608 -- constant SQL; every value is a parameter

_KEY_SQL = """
    SELECT k.key_hash, k.revoked_at, k.expires_at, w.id, w.slug
      FROM partnerhub_apikey k
      JOIN partnerhub_workspace w ON w.id = k.workspace_id
     WHERE k.prefix = %s
"""


def _key_workspace(request: HttpRequest, workspace_slug: str) -> int | HttpResponse:
    """The workspace id the Bearer key may read, or the problem answer (401, or 404 when
    the key belongs to another workspace -- as the API answers)."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    parsed = split_key(raw.strip()) if scheme.lower() == "bearer" else None
    if parsed is None:
        return problem_response(401, "Authentication credentials were not provided.")
    prefix, full = parsed
    with connection.cursor() as cursor:
        cursor.execute(_KEY_SQL, [prefix])
        row = cursor.fetchone()
    expected = row[0] if row else hash_secret("")
    if not hmac.compare_digest(expected, hash_secret(full)) or row is None:
        return problem_response(401, "Invalid API key.")
    _, revoked_at, expires_at, workspace_id, slug = row
    if revoked_at is not None or (expires_at is not None and expires_at <= timezone.now()):
        return problem_response(401, "This API key has been revoked or has expired.")
    if slug != workspace_slug:
        return problem_response(404, "Not found.")
    return int(workspace_id)


def _next_link(request: HttpRequest, last_id: int) -> str:
    """DRF's cursor for "after ``last_id``" (position only: ids are unique)."""
    token = base64.b64encode(f"p={last_id}".encode()).decode()
    return f"{request.build_absolute_uri(request.path)}?cursor={quote(token, safe='')}"


def measurements_page(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    workspace_id = _key_workspace(request, workspace_slug)
    if isinstance(workspace_id, HttpResponse):
        return workspace_id
    activate_workspace(workspace_id)
    with connection.cursor() as cursor:
        cursor.execute(MEASUREMENTS_PAGE_SQL, {"workspace": workspace_id, "page_size": PAGE_SIZE})
        results, last_id, has_next = cursor.fetchone()
    following = f'"{_next_link(request, last_id)}"' if has_next else "null"
    body = f'{{"next":{following},"previous":null,"results":{results}}}'
    return HttpResponse(body, content_type=JSON)


# --- E3-ref: the dashboard's aggregates ----------------------------------------------------

_INDICATORS_SQL = """
    SELECT array(
               SELECT i.id FROM impact_indicator i
                WHERE i.workspace_id = p.workspace_id AND i.partnership_id = p.id
                ORDER BY i.id)
      FROM partners_partnership p
     WHERE p.workspace_id = %s AND p.id = %s
"""

DASHBOARD_AGGREGATE_SQL = (
    f"SELECT coalesce(json_agg(t ORDER BY t.id), '[]'::json)::text FROM ({_TO_DATE_SQL}) t"  # noqa: S608
)
DASHBOARD_NEEDS_SQL = (
    "SELECT coalesce(json_agg(t ORDER BY t.term, t.key), '[]'::json)::text "  # noqa: S608
    f"FROM ({_INDICATOR_NEEDS_SQL}) AS t(term, key, n, mine)"
)


def dashboard_aggregate(request: HttpRequest, workspace_slug: str, pk: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, timezone FROM partnerhub_workspace WHERE slug = %s", [workspace_slug]
        )
        row = cursor.fetchone()
        if row is None:
            return problem_response(404, "Not found.")
        workspace = Workspace(pk=row[0], timezone=row[1])
        activate_workspace(workspace)
        cursor.execute(_INDICATORS_SQL, [workspace.pk, pk])
        found = cursor.fetchone()
        if found is None:
            return problem_response(404, "Not found.")
        ids = found[0]
        if not ids:
            return HttpResponse('{"progress":[],"needs":[]}', content_type=JSON)
        cursor.execute(DASHBOARD_AGGREGATE_SQL, _params(workspace, ids))
        progress = cursor.fetchone()[0]
        cursor.execute(
            DASHBOARD_NEEDS_SQL,
            {
                "workspace": workspace.pk,
                "ids": ids,
                "partnerships": [pk],
                "today": workspace_today(workspace),
                "organization": None,
                "approved": MeasurementStatus.APPROVED.value,
                "submitted": MeasurementStatus.SUBMITTED.value,
            },
        )
        needs = cursor.fetchone()[0]
    return HttpResponse(f'{{"progress":{progress},"needs":{needs}}}', content_type=JSON)
