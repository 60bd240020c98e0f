"""CSV import of figures: the file checks, the per-row preview, applying (in the request
and through the Celery task with its progress), idempotency, conflicts with approved
figures and locked periods, partner scope, and the template to fill in."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from impact import imports_file, services_imports
from impact.models import (
    ImportStatus,
    Indicator,
    Measurement,
    MeasurementEvent,
    MeasurementImport,
    MeasurementStatus,
    ReportingPeriod,
)
from partnerhub.tenancy import workspace_context
from partners.models import Partnership
from tests.conftest import Cast
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)


@dataclass
class Setup:
    cast: Cast
    partnership: Partnership
    people: Indicator  # quarterly, Gender breakdown (exhaustive), both organizations report
    share: Indicator  # quarterly percentage, cast.organization reports
    periods: list[ReportingPeriod]


@pytest.fixture
def setup(cast_a) -> Setup:  # type: ignore[no-untyped-def]
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(
            cast_a, members=[cast_a.organization, cast_a.other_organization]
        )
        people = make_indicator(
            cast_a,
            partnership=partnership,
            name="People trained",
            reporters=[cast_a.organization, cast_a.other_organization],
            dimensions={"Gender": ["Female", "Male"]},
        )
        share = make_indicator(
            cast_a, partnership=partnership, name="Share employed", value_type="percentage"
        )
        periods = periods_of(people)
    return Setup(cast_a, partnership, people, share, periods)


def url(name: str, cast: Cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def csv_text(*rows: str, header: str = "indicator,period,organization,value,note") -> str:
    return "\n".join([header, *rows]) + "\n"


def upload(client, s: Setup, text: str | bytes, name: str = "figures.csv"):  # type: ignore[no-untyped-def]
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        url("measurement_import", s.cast, pk=s.partnership.pk),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def upload_ok(client, s: Setup, text: str | bytes) -> int:  # type: ignore[no-untyped-def]
    response = upload(client, s, text)
    assert response.status_code == 302, response.content.decode()[:2000]
    return int(response["Location"].rstrip("/").split("/")[-1])


def preview(client, s: Setup, pk: int) -> dict[int, dict]:  # type: ignore[no-untyped-def]
    """The preview's rows by line number."""
    response = client.get(url("measurement_import_detail", s.cast, pk=pk))
    assert response.status_code == 200
    return {plan.number: plan.entry() for plan in response.context["analysis"].rows}


def record(s: Setup, pk: int) -> MeasurementImport:
    with workspace_context(s.cast.workspace):
        return MeasurementImport.objects.get(pk=pk)


def figures(s: Setup) -> dict[tuple[str, str, str], tuple[Decimal, str, dict[str, Decimal]]]:
    """(indicator, period start, organization) -> (value, status, breakdown by category)."""
    with workspace_context(s.cast.workspace):
        rows = (
            Measurement.objects.for_workspace(s.cast.workspace)
            .filter(partnership=s.partnership)
            .select_related("indicator", "period", "organization")
            .prefetch_related("breakdown__category")
        )
        return {
            (m.indicator.name, m.period.start_date.isoformat(), m.organization.name): (
                m.value,
                m.status,
                {b.category.name: b.value for b in m.breakdown.all()},
            )
            for m in rows
        }


def events(s: Setup) -> list[str]:
    with workspace_context(s.cast.workspace):
        return list(
            MeasurementEvent.objects.for_workspace(s.cast.workspace)
            .filter(indicator__partnership=s.partnership)
            .values_list("kind", flat=True)
        )


GOOD = csv_text(
    "People trained,2025-Q1,Org A1,30,First quarter",
    "People trained,2025-04-01,Org A2,12,",
    "share employed,2025-q1,org a1,45%,",
    header="Indicator,PERIOD,Organization,Value,Note",
)


# --- The whole path -------------------------------------------------------------------


def test_upload_preview_apply_then_reimport_changes_nothing(setup):
    s = setup
    client = s.cast.client("coordinator")
    pk = upload_ok(client, s, GOOD)
    rows = preview(client, s, pk)
    assert {n: r["outcome"] for n, r in rows.items()} == {2: "create", 3: "create", 4: "create"}
    assert rows[4]["value"] == "45"
    assert figures(s) == {}  # nothing written before the person confirms
    page = client.get(url("measurement_import_detail", s.cast, pk=pk)).content.decode()
    assert "Import 3 rows" in page

    done = client.post(url("measurement_import_apply", s.cast, pk=pk))
    assert done.status_code == 302
    stored = figures(s)
    assert stored == {
        ("People trained", "2025-01-01", "Org A1"): (Decimal("30"), "submitted", {}),
        ("People trained", "2025-04-01", "Org A2"): (Decimal("12"), "submitted", {}),
        ("Share employed", "2025-01-01", "Org A1"): (Decimal("45"), "submitted", {}),
    }
    assert events(s) == ["imported"] * 3
    result = record(s, pk)
    assert (result.status, result.processed_rows, result.total_rows) == ("done", 3, 3)
    assert (result.created_count, result.updated_count, result.refused_count) == (3, 0, 0)
    assert [entry["outcome"] for entry in result.report] == ["created"] * 3
    assert [entry["row"] for entry in result.report] == [2, 3, 4]

    # The same file again: every row unchanged, nothing offered, nothing written.
    again = upload_ok(client, s, GOOD)
    assert {r["outcome"] for r in preview(client, s, again).values()} == {"unchanged"}
    page = client.get(url("measurement_import_detail", s.cast, pk=again)).content.decode()
    assert "There is nothing to write" in page
    client.post(url("measurement_import_apply", s.cast, pk=again))
    second = record(s, again)
    assert (second.status, second.unchanged_count, second.created_count) == ("done", 3, 0)
    assert figures(s) == stored
    assert events(s) == ["imported"] * 3


def test_breakdown_columns_bom_semicolons_and_decimal_commas(setup):
    s = setup
    text = "\ufeff" + csv_text(
        'People trained;2025-Q2;Org A1;10,5;"Split; by gender";6,5;4',
        header="indicator;period;organization;value;note;Gender: Female;gender : MALE",
    )
    client = s.cast.client("coordinator")
    pk = upload_ok(client, s, text)
    assert preview(client, s, pk)[2]["outcome"] == "create"
    client.post(url("measurement_import_apply", s.cast, pk=pk))
    value, status, breakdown = figures(s)[("People trained", "2025-04-01", "Org A1")]
    assert (value, status) == (Decimal("10.5"), "submitted")
    assert breakdown == {"Female": Decimal("6.5"), "Male": Decimal("4")}


# --- Conflicts: what an import may change ---------------------------------------------


def test_changed_values_update_open_figures_and_are_refused_on_approved_or_locked(setup):
    s = setup
    cast = s.cast
    p = s.periods
    with workspace_context(cast.workspace):
        for period, status in zip(
            p[:4],
            [
                MeasurementStatus.DRAFT,
                MeasurementStatus.RETURNED,
                MeasurementStatus.SUBMITTED,
                MeasurementStatus.APPROVED,
            ],
            strict=True,
        ):
            make_measurement(cast, indicator=s.people, period=period, value=10, status=status)
        make_measurement(
            cast, indicator=s.people, period=p[4], value=10, status=MeasurementStatus.SUBMITTED
        )
        make_measurement(
            cast, indicator=s.people, period=p[5], value=10, status=MeasurementStatus.APPROVED
        )
        ReportingPeriod.objects.filter(pk__in=[p[4].pk, p[6].pk]).update(locked=True)
    text = csv_text(
        "People trained,2025-Q1,Org A1,11,",  # 2 draft: updated
        "People trained,2025-Q2,Org A1,12,",  # 3 returned: updated
        "People trained,2025-Q3,Org A1,13,",  # 4 submitted: updated
        "People trained,2025-Q4,Org A1,14,",  # 5 approved, another value: refused
        "People trained,2026-Q1,Org A1,15,",  # 6 locked period, another value: refused
        "People trained,2026-Q2,Org A1,10,",  # 7 approved, same value: unchanged
        "People trained,2026-Q3,Org A1,17,",  # 8 locked period, no figure yet: refused
        header="indicator,period,organization,value",
    )
    client = cast.client("coordinator")
    pk = upload_ok(client, s, text)
    rows = preview(client, s, pk)
    assert {n: r["outcome"] for n, r in rows.items()} == {
        2: "update",
        3: "update",
        4: "update",
        5: "refused",
        6: "refused",
        7: "unchanged",
        8: "refused",
    }
    assert rows[2]["reason"] == "Changes the draft figure: value 10 → 11."
    assert rows[5]["reason"] == "Approved figures cannot be changed."
    assert "locked" in rows[6]["reason"] and "locked" in rows[8]["reason"]
    client.post(url("measurement_import_apply", cast, pk=pk))
    stored = figures(s)
    values = {start: value for (_, start, _), (value, _, _) in stored.items()}
    assert values == {
        "2025-01-01": Decimal("11"),
        "2025-04-01": Decimal("12"),
        "2025-07-01": Decimal("13"),
        "2025-10-01": Decimal("10"),
        "2026-01-01": Decimal("10"),
        "2026-04-01": Decimal("10"),
    }
    assert stored[("People trained", "2025-04-01", "Org A1")][1] == "submitted"
    result = record(s, pk)
    assert (result.updated_count, result.refused_count, result.unchanged_count) == (3, 3, 1)
    by_row = {entry["row"]: entry for entry in result.report}
    assert by_row[5]["outcome"] == "refused"
    assert by_row[5]["reason"] == "Approved figures cannot be changed."


def test_a_period_locked_after_the_preview_is_refused_when_applied(setup):
    s = setup
    client = s.cast.client("coordinator")
    pk = upload_ok(client, s, GOOD)
    assert preview(client, s, pk)[2]["outcome"] == "create"
    with workspace_context(s.cast.workspace):
        ReportingPeriod.objects.filter(pk=s.periods[0].pk).update(locked=True)
    client.post(url("measurement_import_apply", s.cast, pk=pk))
    by_row = {entry["row"]: entry for entry in record(s, pk).report}
    assert by_row[2]["outcome"] == "refused"
    assert "locked" in by_row[2]["reason"]
    assert by_row[3]["outcome"] == "created"  # the other rows still apply


# --- Bad rows -------------------------------------------------------------------------


def test_every_bad_row_is_refused_with_its_reason_and_good_rows_still_apply(setup):
    s = setup
    with workspace_context(s.cast.workspace):
        make_indicator(s.cast, partnership=make_partnership(s.cast), name="Elsewhere")
    header = "indicator,period,organization,value,note,Gender: Female,Gender: Male"
    text = csv_text(
        "People trained,2025-Q1,Org A1,10,,6,4",  # 2 good
        "Trees planted,2025-Q1,Org A1,10,,,",  # 3 unknown indicator
        "Elsewhere,2025-Q1,Org A1,10,,,",  # 4 indicator of another partnership
        "People trained,2031-Q1,Org A1,10,,,",  # 5 no such period
        "People trained,2025-03,Org A1,10,,,",  # 6 a month of a quarterly indicator
        "People trained,spring,Org A1,10,,,",  # 7 not a period
        "People trained,2025-Q2,Nobody Inc,10,,,",  # 8 unknown organization
        "Share employed,2025-Q2,Org A2,10,,,",  # 9 Org A2 does not report it
        "People trained,2025-Q2,Org A1,ten,,,",  # 10 not a number
        "People trained,2025-Q3,Org A1,10,,6,5",  # 11 breakdown 11 != 10
        "People trained,2025-Q4,Org A1,10,,,",  # 12 duplicate of 13
        "People trained,2025-Q4,Org A1,12,,,",  # 13 duplicate of 12
        "People trained,2026-Q1,Org A1,,,,",  # 14 no value
        "People trained,2026-Q2,Org A1,-3,,,",  # 15 negative
        "Share employed,2026-Q2,Org A1,120,,,",  # 16 percentage above 100
        "Share employed,2026-Q3,Org A1,40,,20,20",  # 17 categories it does not have
        "People trained,2026-Q3,Org A2,5,,,,extra",  # 18 more cells than columns
        header=header,
    )
    client = s.cast.client("coordinator")
    pk = upload_ok(client, s, text)
    rows = preview(client, s, pk)
    reasons = {n: r["reason"] for n, r in rows.items() if r["outcome"] == "refused"}
    assert set(reasons) == set(range(3, 19))
    assert rows[2]["outcome"] == "create"
    assert "no indicator “Trees planted”" in reasons[3]
    assert "no indicator “Elsewhere”" in reasons[4]
    assert "no period “2031-Q1”" in reasons[5] and "quarterly" in reasons[5]
    assert "no period “2025-03”" in reasons[6]
    assert "“spring” is not a period" in reasons[7]
    assert "no organization “Nobody Inc”" in reasons[8]
    assert "“Org A2” does not report this indicator" in reasons[9]
    assert "“ten” is not a number" in reasons[10]
    assert "Gender: the parts add up to 11, but they must add up to the total, 10." in reasons[11]
    assert "Rows 12, 13 give the same indicator, period and organization" in reasons[12]
    assert reasons[12] == reasons[13]
    assert "No value" in reasons[14]
    assert "cannot be negative" in reasons[15]
    assert "between 0 and 100" in reasons[16]
    assert "no category “gender: female”" in reasons[17]
    assert "more cells than the header" in reasons[18]
    page = client.get(url("measurement_import_detail", s.cast, pk=pk)).content.decode()
    assert "Refused (16)" in page
    assert "Import 1 row" in page

    client.post(url("measurement_import_apply", s.cast, pk=pk))
    assert set(figures(s)) == {("People trained", "2025-01-01", "Org A1")}
    result = record(s, pk)
    assert (result.created_count, result.refused_count) == (1, 16)
    assert {e["row"]: e["reason"] for e in result.report if e["outcome"] == "refused"} == reasons


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (
            "indicator,period,organization,value,note\nx,2025,y,1,caf\xe9\n".encode("latin-1"),
            "not UTF-8",
        ),
        (b"indicator,period,value\nPeople trained,2025-Q1,1\n", "missing organization"),
        (b"indicator,period,organization,value,colour\nx,2025,y,1,red\n", "unknown “colour”"),
        (b"indicator,period,organization,value\n", "no rows of figures"),
        (b"%PDF-1.4\x00\x00binary", "not a CSV file"),
    ],
)
def test_unusable_files_get_a_form_error_and_nothing_is_stored(setup, content, message):
    s = setup
    response = upload(s.cast.client("coordinator"), s, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    with workspace_context(s.cast.workspace):
        assert not MeasurementImport.objects.for_workspace(s.cast.workspace).exists()


def test_size_and_row_limits(setup, monkeypatch):
    s = setup
    client = s.cast.client("coordinator")
    monkeypatch.setattr(services_imports, "MAX_BYTES", 100)
    response = upload(client, s, GOOD + "People trained,2025-Q3,Org A1,1,padding padding\n" * 3)
    assert response.status_code == 400
    assert "larger than 100" in response.content.decode()
    monkeypatch.setattr(services_imports, "MAX_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(imports_file, "MAX_ROWS", 2)
    response = upload(client, s, GOOD)
    assert response.status_code == 400
    assert "more than 2 rows" in response.content.decode()


def test_periods_by_start_date_and_by_label(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        for name, frequency in [
            ("Monthly", "monthly"),
            ("Half-yearly", "half_yearly"),
            ("Annual", "annual"),
        ]:
            make_indicator(cast_a, partnership=partnership, name=name, frequency=frequency)
    s = Setup(cast_a, partnership, None, None, [])  # type: ignore[arg-type]
    text = csv_text(
        "Monthly,2025-03,Org A1,1,",
        "Monthly,2025-04-01,Org A1,1,",
        "Half-yearly,2025-h2,Org A1,1,",
        "Half-yearly,2026-01-01,Org A1,1,",
        "Annual,2025,Org A1,1,",
        "Annual,2025-Q1,Org A1,1,",  # a quarter of an annual indicator
        "Monthly,2025-03-15,Org A1,1,",  # not the start of a period
    )
    client = cast_a.client("coordinator")
    rows = preview(client, s, upload_ok(client, s, text))
    assert [rows[n]["period"] for n in range(2, 7)] == [
        "2025-03",
        "2025-04",
        "2025-H2",
        "2026-H1",
        "2025",
    ]
    assert [rows[n]["outcome"] for n in range(2, 9)] == ["create"] * 5 + ["refused"] * 2
    assert "it reports yearly" in rows[7]["reason"]


# --- Who may import -------------------------------------------------------------------


def test_a_partner_imports_their_own_organizations_rows_only(setup):
    s = setup
    partner = s.cast.client("partner")  # represents Org A1
    text = csv_text(
        "People trained,2025-Q1,Org A1,8,",
        "People trained,2025-Q1,Org A2,9,",
    )
    pk = upload_ok(partner, s, text)
    rows = preview(partner, s, pk)
    assert rows[2]["outcome"] == "create"
    assert rows[3]["outcome"] == "refused"
    assert "your own organization only" in rows[3]["reason"]
    partner.post(url("measurement_import_apply", s.cast, pk=pk))
    assert set(figures(s)) == {("People trained", "2025-01-01", "Org A1")}
    # The partner's template lists their own organization's figures only.
    template = partner.get(url("measurement_import_template", s.cast, pk=s.partnership.pk))
    organizations = {row["organization"] for row in read_csv(template)}
    assert organizations == {"Org A1"}


def test_imports_are_private_to_who_may_see_them(setup, cast_b):
    s = setup
    coordinator = s.cast.client("coordinator")
    pk = upload_ok(coordinator, s, GOOD)
    detail = url("measurement_import_detail", s.cast, pk=pk)
    # A partner does not open a coordinator's import; a viewer may not import at all.
    assert s.cast.client("partner").get(detail).status_code == 404
    viewer = s.cast.client("viewer")
    assert viewer.get(url("measurement_import", s.cast, pk=s.partnership.pk)).status_code == 403
    assert viewer.get(detail).status_code == 403
    assert upload(viewer, s, GOOD).status_code == 403
    # Another coordinator sees it but only the uploader applies it.
    admin = s.cast.client("admin")
    assert "Only the person who uploaded" in admin.get(detail).content.decode()
    admin.post(url("measurement_import_apply", s.cast, pk=pk))
    assert record(s, pk).status == ImportStatus.PREVIEWED
    # Workspace B gets 404 everywhere, with A's slug or its own.
    outsider = cast_b.client("admin")
    for name in (
        "measurement_import_detail",
        "measurement_import_progress",
        "measurement_import_apply",
    ):
        for slug in (s.cast.workspace.slug, cast_b.workspace.slug):
            target = reverse(name, kwargs={"workspace_slug": slug, "pk": pk})
            # 405 where the view does not serve the method: refused before any lookup.
            assert outsider.get(target).status_code in (404, 405)
            assert outsider.post(target).status_code in (404, 405)
    for name in ("measurement_import", "measurement_import_template"):
        target = reverse(
            name, kwargs={"workspace_slug": cast_b.workspace.slug, "pk": s.partnership.pk}
        )
        assert outsider.get(target).status_code == 404
    assert record(s, pk).status == ImportStatus.PREVIEWED


def test_a_partner_outside_the_partnership_gets_404(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a, members=[cast_a.other_organization])
        make_indicator(cast_a, partnership=partnership, reporters=[cast_a.other_organization])
    partner = cast_a.client("partner")
    for name in ("measurement_import", "measurement_import_template"):
        assert partner.get(url(name, cast_a, pk=partnership.pk)).status_code == 404


def test_an_import_is_applied_once(setup):
    s = setup
    client = s.cast.client("coordinator")
    pk = upload_ok(client, s, GOOD)
    client.post(url("measurement_import_apply", s.cast, pk=pk))
    response = client.post(url("measurement_import_apply", s.cast, pk=pk), follow=True)
    assert "already been started" in response.content.decode()
    assert events(s) == ["imported"] * 3


# --- Large files: the Celery task and its progress -------------------------------------


@pytest.fixture
def eager_celery(settings):  # type: ignore[no-untyped-def]
    from partnerhub.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def monthly_file(cast: Cast, rows: int) -> tuple[Setup, str]:
    with workspace_context(cast.workspace):
        partnership = make_partnership(cast, members=[cast.organization, cast.other_organization])
        make_indicator(
            cast,
            partnership=partnership,
            name="Meals served",
            frequency="monthly",
            reporters=[cast.organization, cast.other_organization],
        )
    lines = []
    for i in range(rows):
        month, organization = divmod(i, 2)
        lines.append(
            f"Meals served,{2025 + month // 12}-{month % 12 + 1:02d},"
            f"Org A{organization + 1},{100 + i},"
        )
    return Setup(cast, partnership, None, None, []), csv_text(*lines)  # type: ignore[arg-type]


def test_a_large_file_is_applied_by_the_task_batch_by_batch(
    cast_a, eager_celery, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services_imports, "ASYNC_ROWS", 10)
    monkeypatch.setattr(services_imports, "BATCH_ROWS", 7)
    s, text = monthly_file(cast_a, 30)
    client = cast_a.client("coordinator")
    pk = upload_ok(client, s, text)
    detail = url("measurement_import_detail", cast_a, pk=pk)
    assert "imported in the background" in client.get(detail).content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url("measurement_import_apply", cast_a, pk=pk))
    assert len(callbacks) == 1  # the task, sent once the request has committed
    assert record(s, pk).status == ImportStatus.QUEUED
    waiting = client.get(detail).content.decode()
    progress_url = url("measurement_import_progress", cast_a, pk=pk)
    assert f'hx-get="{progress_url}"' in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert "0 of 30 rows handled" in waiting
    assert "Refresh now" in waiting  # the plain fallback
    assert figures(s) == {}

    seen: list[int] = []
    original = services_imports.measurement_import_apply_batch

    def spy(**kwargs):  # type: ignore[no-untyped-def]
        done = original(**kwargs)
        seen.append(record(s, pk).processed_rows)
        return done

    monkeypatch.setattr(services_imports, "measurement_import_apply_batch", spy)
    callbacks[0]()  # the commit: the task runs (eagerly)
    assert seen == [7, 14, 21, 28, 30]
    result = record(s, pk)
    assert (result.status, result.processed_rows, result.created_count) == ("done", 30, 30)
    assert [entry["row"] for entry in result.report] == list(range(2, 32))
    assert len(figures(s)) == 30

    polled = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    page = client.get(detail).content.decode()
    assert "Done: 30 of 30 rows handled." in page
    assert "hx-trigger" not in page


def test_progress_partial_while_running(cast_a, monkeypatch):
    monkeypatch.setattr(services_imports, "ASYNC_ROWS", 10)
    s, text = monthly_file(cast_a, 20)
    client = cast_a.client("coordinator")
    pk = upload_ok(client, s, text)
    with workspace_context(cast_a.workspace):
        MeasurementImport.objects.filter(pk=pk).update(status="running", processed_rows=8)
    response = client.get(url("measurement_import_progress", cast_a, pk=pk), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in response
    assert "8 of 20 rows handled" in response.content.decode()
    assert 'value="8"' in response.content.decode()


def test_a_task_that_stops_keeps_the_committed_batches_and_says_so(
    cast_a, eager_celery, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services_imports, "ASYNC_ROWS", 10)
    monkeypatch.setattr(services_imports, "BATCH_ROWS", 5)
    s, text = monthly_file(cast_a, 12)
    client = cast_a.client("coordinator")
    pk = upload_ok(client, s, text)
    original = services_imports.measurement_save
    calls = {"n": 0}

    def failing(**kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 8:
            raise RuntimeError("disk on fire")
        return original(**kwargs)

    monkeypatch.setattr(services_imports, "measurement_save", failing)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        client.post(url("measurement_import_apply", cast_a, pk=pk))
    result = record(s, pk)
    assert (result.status, result.processed_rows, result.created_count) == ("failed", 5, 5)
    assert len(figures(s)) == 5
    page = client.get(url("measurement_import_detail", cast_a, pk=pk)).content.decode()
    assert "The import stopped after 5 of 12 rows." in page
    assert "upload the file again" in page

    # The same file again picks up the rest.
    monkeypatch.setattr(services_imports, "measurement_save", original)
    again = upload_ok(client, s, text)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("measurement_import_apply", cast_a, pk=again))
    second = record(s, again)
    assert (second.unchanged_count, second.created_count) == (5, 7)


def test_a_task_delivered_twice_applies_once(cast_a, monkeypatch):
    from impact.tasks_imports import measurement_import_run

    monkeypatch.setattr(services_imports, "ASYNC_ROWS", 10)
    s, text = monthly_file(cast_a, 12)
    client = cast_a.client("coordinator")
    pk = upload_ok(client, s, text)
    client.post(url("measurement_import_apply", cast_a, pk=pk))  # queued (not run: no commit)
    measurement_import_run(cast_a.workspace.pk, pk)
    measurement_import_run(cast_a.workspace.pk, pk)
    result = record(s, pk)
    assert (result.status, result.created_count, len(result.report)) == ("done", 12, 12)
    assert len(events(s)) == 12


# --- The template ---------------------------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_template_lists_owed_figures_and_imports_back(setup):
    s = setup
    cast = s.cast
    p = s.periods  # 2025-Q1 .. 2026-Q4; all have begun by the test's clock or not
    with workspace_context(cast.workspace):
        make_measurement(cast, indicator=s.people, period=p[0], value=10)  # approved: not owed
        make_measurement(
            cast,
            indicator=s.people,
            period=p[1],
            value=10,
            status=MeasurementStatus.DRAFT,
            breakdown={"Female": 6, "Male": 4},
            note="draft note",
        )
        ReportingPeriod.objects.filter(pk=p[2].pk).update(locked=True)
    from partners.services.partnerships import workspace_today

    today = workspace_today(cast.workspace)
    response = cast.client("coordinator").get(
        url("measurement_import_template", cast, pk=s.partnership.pk)
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert list(rows[0]) == [
        "indicator",
        "period",
        "organization",
        "value",
        "Gender: Female",
        "Gender: Male",
        "note",
    ]
    begun = [q for q in p if q.start_date <= today]
    keys = {(r["indicator"], r["period"], r["organization"]) for r in rows}
    expected_people = {
        ("People trained", label, org)
        for label in [imports_file.period_label(q.start_date, q.end_date) for q in begun]
        for org in ("Org A1", "Org A2")
    } - {("People trained", "2025-Q1", "Org A1"), ("People trained", "2025-Q3", "Org A1")}
    expected_people -= {("People trained", "2025-Q3", "Org A2")}  # locked
    expected_share = {
        ("Share employed", imports_file.period_label(q.start_date, q.end_date), "Org A1")
        for q in begun
    }
    assert keys == expected_people | expected_share
    draft = next(r for r in rows if r["period"] == "2025-Q2" and r["organization"] == "Org A1")
    assert (draft["value"], draft["Gender: Female"], draft["note"]) == ("10", "6", "draft note")

    # Filled in and imported back: the draft is submitted as it stands, the rest created.
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        if not row["value"]:
            row["value"] = "3"
        writer.writerow(row)
    client = cast.client("coordinator")
    pk = upload_ok(client, s, out.getvalue())
    outcomes = preview(client, s, pk)
    assert {r["outcome"] for r in outcomes.values()} == {"create", "update"}
    client.post(url("measurement_import_apply", cast, pk=pk))
    value, status, breakdown = figures(s)[("People trained", "2025-04-01", "Org A1")]
    assert (value, status, breakdown) == (
        Decimal("10"),
        "submitted",
        {"Female": Decimal("6"), "Male": Decimal("4")},
    )
    assert record(s, pk).refused_count == 0


def test_cells_that_look_like_formulas_round_trip(setup):
    s = setup
    with workspace_context(s.cast.workspace):
        Indicator.objects.filter(pk=s.share.pk).update(name="=Share employed")
    response = s.cast.client("coordinator").get(
        url("measurement_import_template", s.cast, pk=s.partnership.pk)
    )
    names = {r["indicator"] for r in read_csv(response)}
    assert "'=Share employed" in names  # defused for spreadsheets
    client = s.cast.client("coordinator")
    pk = upload_ok(client, s, csv_text("'=Share employed,2025-Q1,Org A1,5,"))
    assert preview(client, s, pk)[2]["outcome"] == "create"


# --- Query counts ---------------------------------------------------------------------


def _preview_queries(client, s: Setup, rows: int) -> int:  # type: ignore[no-untyped-def]
    lines = [
        f"People trained,{s.periods[i % 8].start_date.isoformat()},"
        f"Org A{i // 8 % 2 + 1},{i},note {i}"
        for i in range(rows)
    ]
    pk = upload_ok(client, s, csv_text(*lines))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("measurement_import_detail", s.cast, pk=pk))
    assert response.status_code == 200
    return len(captured)


def test_the_preview_does_not_query_per_row(setup):
    """The same for 2 rows as for 16: session, user, membership, the workspace setting
    (the base view), the import with its partnership and uploader, the uploader's
    membership, then the analysis: indicators, periods, categories, reporters, figures on
    file and their breakdowns (a prefetch); the navigation's memberships."""
    s = setup
    client = s.cast.client("coordinator")
    with workspace_context(s.cast.workspace):
        for period in s.periods[:4]:
            make_measurement(
                s.cast,
                indicator=s.people,
                period=period,
                value=1,
                status=MeasurementStatus.SUBMITTED,
            )
    few = _preview_queries(client, s, 2)
    many = _preview_queries(client, s, 16)
    assert few == many


def test_the_import_page_does_not_query_per_import(setup):
    s = setup
    client = s.cast.client("coordinator")
    page = url("measurement_import", s.cast, pk=s.partnership.pk)
    upload_ok(client, s, GOOD)
    with CaptureQueriesContext(connection) as one:
        assert client.get(page).status_code == 200
    for _ in range(3):
        upload_ok(client, s, GOOD)
    with CaptureQueriesContext(connection) as four:
        assert client.get(page).status_code == 200
    assert len(one) == len(four)
