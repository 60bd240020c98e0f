"""Figure pages: a partner reports for their own organization (403 for another's, 404
for what they may not see, 404 to other workspaces), viewers only read, the stale form
answers 409 with the entry kept, review one by one and in bulk, the evidence download,
and constant query counts on "My figures" and the review queue."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from impact import selectors_measurements
from impact.models import DimensionCategory, Measurement, MeasurementStatus, ReportingPeriod
from impact.services_measurements import measurement_save
from partnerhub.tenancy import workspace_context
from tests.goals.helpers import access_of
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def report_url(cast, indicator, period, organization=None) -> str:  # type: ignore[no-untyped-def]
    base = url("measurement_report", cast, indicator_pk=indicator.pk, period_pk=period.pk)
    return f"{base}?organization={organization.pk}" if organization else base


@pytest.fixture
def gendered(cast_a):  # type: ignore[no-untyped-def]
    """An indicator with an exhaustive gender breakdown, reported by the partner's org."""
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a,
            dimensions={"Gender": ["Female", "Male", "Another"]},
            definition="People who finished the course.",
        )
        period = periods_of(indicator)[0]
        cats = {
            c.name: c.pk for c in DimensionCategory.objects.filter(dimension__indicator=indicator)
        }
    return indicator, period, cats


def figure_of(cast, indicator, period, organization=None) -> Measurement | None:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return (
            Measurement.objects.filter(
                indicator=indicator,
                period=period,
                organization=organization or cast.organization,
            )
            .select_related("period")
            .first()
        )


# --- The report form ------------------------------------------------------------------


def test_partner_reports_a_disaggregated_figure_for_their_organization(cast_a, gendered):
    indicator, period, cats = gendered
    client = cast_a.client("partner")
    html = client.get(report_url(cast_a, indicator, period)).content.decode()
    assert indicator.name in html and "People who finished the course." in html
    assert "<legend>Gender</legend>" in html
    assert "must add up to the value" in html
    assert "Save draft" in html and "Submit for review" in html
    assert 'name="version" value="0"' in html
    assert "style=" not in html and "<script>" not in html
    response = client.post(
        report_url(cast_a, indicator, period),
        {
            "value": "10",
            f"category_{cats['Female']}": "6",
            f"category_{cats['Male']}": "3",
            f"category_{cats['Another']}": "1",
            "note": "From the register",
            "evidence_link": "https://example.org/register",
            "evidence_file": SimpleUploadedFile("register.pdf", PDF_BYTES),
            "version": "0",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    figure = figure_of(cast_a, indicator, period)
    assert figure is not None
    assert response["Location"] == url("measurement_detail", cast_a, pk=figure.pk)
    assert (figure.status, figure.value, figure.submitted_by) == (
        "submitted",
        Decimal("10"),
        cast_a.partner,
    )
    assert figure.evidence_name == "register.pdf"
    detail = client.get(response["Location"]).content.decode()
    assert "By gender" in detail and "Female" in detail and "Submitted" in detail
    assert "Approve" not in detail  # partners do not review


def test_save_draft_keeps_the_figure_out_of_review(cast_a, gendered):
    indicator, period, _ = gendered
    response = cast_a.client("partner").post(
        report_url(cast_a, indicator, period), {"value": "4", "version": "0", "action": "draft"}
    )
    assert response.status_code == 302
    assert figure_of(cast_a, indicator, period).status == "draft"  # type: ignore[union-attr]


def test_breakdown_that_does_not_add_up_is_refused_on_the_form(cast_a, gendered):
    indicator, period, cats = gendered
    response = cast_a.client("partner").post(
        report_url(cast_a, indicator, period),
        {"value": "10", f"category_{cats['Female']}": "4", "version": "0", "action": "submit"},
    )
    assert response.status_code == 400
    assert "they must add up to the total" in response.content.decode()
    assert figure_of(cast_a, indicator, period) is None


def test_partner_gets_403_for_an_indicator_their_organization_does_not_report(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a, reporters=[cast_a.other_organization])
        period = periods_of(indicator)[0]
    client = cast_a.client("partner")
    assert client.get(report_url(cast_a, indicator, period)).status_code == 403
    response = client.post(
        report_url(cast_a, indicator, period), {"value": "1", "version": "0", "action": "submit"}
    )
    assert response.status_code == 403
    assert figure_of(cast_a, indicator, period, cast_a.other_organization) is None


def test_partner_may_not_name_another_organization(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a, reporters=[cast_a.organization, cast_a.other_organization]
        )
        period = periods_of(indicator)[0]
    client = cast_a.client("partner")
    other = report_url(cast_a, indicator, period, cast_a.other_organization)
    assert client.get(other).status_code == 403
    assert client.post(other, {"value": "1", "version": "0"}).status_code == 403


def test_partner_gets_404_for_an_indicator_of_a_partnership_they_are_not_in(cast_a):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a, members=[cast_a.other_organization])
        indicator = make_indicator(cast_a, partnership=partnership)
        period = periods_of(indicator)[0]
    assert cast_a.client("partner").get(report_url(cast_a, indicator, period)).status_code == 404


def test_period_of_another_indicator_is_404(cast_a, gendered):
    indicator, _, _ = gendered
    with workspace_context(cast_a.workspace):
        other_period = periods_of(make_indicator(cast_a))[0]
    response = cast_a.client("coordinator").get(report_url(cast_a, indicator, other_period))
    assert response.status_code == 404


def test_viewer_cannot_submit(cast_a, gendered):
    indicator, period, _ = gendered
    client = cast_a.client("viewer")
    assert client.get(report_url(cast_a, indicator, period)).status_code == 403
    response = client.post(
        report_url(cast_a, indicator, period), {"value": "1", "version": "0", "action": "submit"}
    )
    assert response.status_code == 403
    assert figure_of(cast_a, indicator, period) is None
    assert client.get(url("my_figures", cast_a)).status_code == 403


def test_other_workspace_gets_404(cast_a, cast_b, gendered):
    indicator, period, _ = gendered
    with workspace_context(cast_a.workspace):
        figure = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[1],
            value=3,
            status="submitted",
        )
    for role in ("admin", "partner"):
        client = cast_b.client(role)
        assert client.get(report_url(cast_a, indicator, period)).status_code == 404
        assert client.get(url("measurement_detail", cast_a, pk=figure.pk)).status_code == 404
        assert client.get(url("measurement_review_queue", cast_a)).status_code == 404
        # Their own workspace's URL with A's objects: still 404.
        own = reverse(
            "measurement_report",
            kwargs={
                "workspace_slug": cast_b.workspace.slug,
                "indicator_pk": indicator.pk,
                "period_pk": period.pk,
            },
        )
        assert client.get(own).status_code == 404
        detail = reverse(
            "measurement_detail", kwargs={"workspace_slug": cast_b.workspace.slug, "pk": figure.pk}
        )
        assert client.get(detail).status_code == 404
    response = cast_b.client("admin").post(
        reverse("measurement_review_bulk", kwargs={"workspace_slug": cast_b.workspace.slug}),
        {"measurement": [figure.pk], "decision": "approve"},
    )
    assert response.status_code == 302
    with workspace_context(cast_a.workspace):
        assert Measurement.objects.get(pk=figure.pk).status == "submitted"


def test_coordinator_chooses_the_organization_among_the_reporters(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a, reporters=[cast_a.organization, cast_a.other_organization]
        )
        period = periods_of(indicator)[0]
    client = cast_a.client("coordinator")
    html = client.get(report_url(cast_a, indicator, period)).content.decode()
    assert '<label for="id_organization">Reporting organization</label>' in html
    assert cast_a.other_organization.name in html
    target = report_url(cast_a, indicator, period, cast_a.other_organization)
    response = client.post(target, {"value": "5", "version": "0", "action": "submit"})
    assert response.status_code == 302
    figure = figure_of(cast_a, indicator, period, cast_a.other_organization)
    assert figure is not None and figure.submitted_by == cast_a.coordinator
    # An organization that does not report the indicator is not offered.
    with workspace_context(cast_a.workspace):
        stranger = make_partnership(cast_a).members.first().organization  # type: ignore[union-attr]
        stranger_indicator = make_indicator(cast_a, reporters=[cast_a.other_organization])
    assert (
        client.get(
            report_url(cast_a, stranger_indicator, periods_of(stranger_indicator)[0], stranger)
        ).status_code
        == 404
    )


def test_stale_form_answers_409_with_the_entry_kept(cast_a, gendered):
    indicator, period, _ = gendered
    client = cast_a.client("partner")
    html = client.get(report_url(cast_a, indicator, period)).content.decode()
    assert 'name="version" value="0"' in html
    with workspace_context(cast_a.workspace):
        measurement_save(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            access=access_of(cast_a, "coordinator"),
            indicator=indicator,
            period=period,
            organization=cast_a.organization,
            value=Decimal("12"),
            submit=False,
        )
    response = client.post(
        report_url(cast_a, indicator, period),
        {"value": "987", "note": "My own count", "version": "0", "action": "submit"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone changed this figure while you were entering it" in html
    assert 'value="987"' in html and "My own count" in html  # the entry is kept
    assert 'name="version" value="1"' in html  # ... now against the current version
    assert re.search(r"<th scope=\"row\">Value</th><td>12</td><td><strong>987</strong>", html)
    assert figure_of(cast_a, indicator, period).value == Decimal("12")  # type: ignore[union-attr]
    # Sending it again applies it on top.
    response = client.post(
        report_url(cast_a, indicator, period),
        {"value": "987", "note": "My own count", "version": "1", "action": "submit"},
    )
    assert response.status_code == 302
    assert figure_of(cast_a, indicator, period).value == Decimal("987")  # type: ignore[union-attr]


def test_approved_figure_shows_no_form(cast_a, gendered):
    indicator, period, _ = gendered
    with workspace_context(cast_a.workspace):
        make_measurement(cast_a, indicator=indicator, period=period, value=10)
    client = cast_a.client("partner")
    html = client.get(report_url(cast_a, indicator, period)).content.decode()
    assert "Approved figures cannot be changed" in html
    assert "Submit for review" not in html
    response = client.post(
        report_url(cast_a, indicator, period), {"value": "11", "version": "1", "action": "submit"}
    )
    assert response.status_code == 400
    assert figure_of(cast_a, indicator, period).value == Decimal("10")  # type: ignore[union-attr]


def test_returned_figure_shows_the_review_note(cast_a, gendered):
    indicator, period, _ = gendered
    with workspace_context(cast_a.workspace):
        make_measurement(cast_a, indicator=indicator, period=period, value=10, status="returned")
    html = cast_a.client("partner").get(report_url(cast_a, indicator, period)).content.decode()
    assert "Returned for a change" in html and "Please check" in html
    assert 'name="version" value="1"' in html and 'value="10"' in html


FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>")


def test_report_form_labels_every_field(cast_a, gendered):
    indicator, period, _ = gendered
    html = cast_a.client("coordinator").get(report_url(cast_a, indicator, period)).content.decode()
    ids = [
        re.search(r'\bid="([^"]+)"', attrs).group(1)  # type: ignore[union-attr]
        for _, attrs in FIELD.findall(html)
        if 'type="hidden"' not in attrs
    ]
    assert len(ids) >= 7
    for field_id in ids:
        assert f'for="{field_id}"' in html, field_id


# --- My figures -----------------------------------------------------------------------


def test_my_figures_lists_what_the_partner_organization_owes(cast_a):
    with workspace_context(cast_a.workspace):
        mine = make_indicator(cast_a, name="Meals served")
        theirs = make_indicator(cast_a, name="Trees planted", reporters=[cast_a.other_organization])
        periods = periods_of(mine)
        make_measurement(cast_a, indicator=mine, period=periods[0], value=1)
        make_measurement(cast_a, indicator=mine, period=periods[1], value=1, status="submitted")
        make_measurement(cast_a, indicator=mine, period=periods[2], value=1, status="returned")
        make_measurement(cast_a, indicator=mine, period=periods[3], value=1, status="draft")
    response = cast_a.client("partner").get(url("my_figures", cast_a))
    html = response.content.decode()
    assert "Trees planted" not in html
    owed = [p for p in periods if p.start_date <= response.context["today"]][2:]
    rows = response.context["rows"]
    assert [row.period.pk for row in rows] == [p.pk for p in owed]  # oldest first
    assert [row.status for row in rows[:2]] == ["returned", "draft"]
    assert report_url(cast_a, mine, periods[2], cast_a.organization) in html
    # Coordinators see every reporting organization's.
    coordinator = cast_a.client("coordinator").get(url("my_figures", cast_a))
    names = {row.organization_name for row in coordinator.context["rows"]}
    assert names == {cast_a.organization.name, cast_a.other_organization.name}
    assert theirs.name in coordinator.content.decode()


def test_my_figures_leaves_out_locked_periods(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a, name="Meals served")
        first, second = periods_of(indicator)[:2]
        make_measurement(cast_a, indicator=indicator, period=second, value=1, status="returned")
        ReportingPeriod.objects.filter(pk__in=[first.pk, second.pk]).update(locked=True)
    response = cast_a.client("partner").get(url("my_figures", cast_a))
    shown = {row.period.pk for row in response.context["rows"]}
    assert shown and not shown & {first.pk, second.pk}


def _figures_queries(cast, role: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    client = cast.client(role)
    client.get(url("my_figures", cast))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("my_figures", cast))
    assert response.status_code == 200
    return len(queries), len(response.context["rows"])


@pytest.mark.parametrize("role", ["partner", "coordinator"])
def test_my_figures_query_count_does_not_grow(cast_a, role):
    # Expected: session, user, membership (+ workspace, organization), the MFA check, the
    # tenant setting, and one query for the owed figures with their indicators and
    # partnerships -- whatever the number of rows.
    with workspace_context(cast_a.workspace):
        make_indicator(cast_a, frequency="annual")
    few_queries, few_rows = _figures_queries(cast_a, role)
    with workspace_context(cast_a.workspace):
        for _ in range(4):
            indicator = make_indicator(
                cast_a, reporters=[cast_a.organization, cast_a.other_organization]
            )
            make_measurement(
                cast_a,
                indicator=indicator,
                period=periods_of(indicator)[0],
                value=1,
                status="returned",
            )
    many_queries, many_rows = _figures_queries(cast_a, role)
    assert many_rows > few_rows + 10
    assert many_queries == few_queries


# --- Review ---------------------------------------------------------------------------


def test_review_queue_is_for_coordinators_and_admins(cast_a, gendered):
    for role, status in (("partner", 403), ("viewer", 403), ("coordinator", 200), ("admin", 200)):
        assert (
            cast_a.client(role).get(url("measurement_review_queue", cast_a)).status_code == status
        )
    indicator, period, _ = gendered
    with workspace_context(cast_a.workspace):
        figure = make_measurement(
            cast_a, indicator=indicator, period=period, value=3, status="submitted"
        )
    for role in ("partner", "viewer"):
        client = cast_a.client(role)
        response = client.post(
            url("measurement_review", cast_a, pk=figure.pk), {"decision": "approve", "version": "1"}
        )
        assert response.status_code == 403
        response = client.post(
            url("measurement_review_bulk", cast_a),
            {"measurement": [figure.pk], "decision": "approve"},
        )
        assert response.status_code == 403
    assert figure_of(cast_a, indicator, period).status == "submitted"  # type: ignore[union-attr]


def test_review_queue_filters_by_partnership_and_pages_with_a_cursor(cast_a, monkeypatch):
    monkeypatch.setattr(selectors_measurements, "REVIEW_PAGE_SIZE", 2)
    with workspace_context(cast_a.workspace):
        first = make_indicator(cast_a, name="Alpha")
        second = make_indicator(cast_a, name="Beta")
        waiting = [
            make_measurement(cast_a, indicator=first, period=p, value=1, status="submitted")
            for p in periods_of(first)[:3]
        ]
        make_measurement(
            cast_a, indicator=second, period=periods_of(second)[0], value=1, status="submitted"
        )
        make_measurement(
            cast_a, indicator=first, period=periods_of(first)[4], value=1, status="draft"
        )
    client = cast_a.client("coordinator")
    page = client.get(
        url("measurement_review_queue", cast_a), {"partnership": first.partnership_id}
    )
    assert [m.pk for m in page.context["figures"]] == [m.pk for m in waiting[:2]]
    next_url = page.context["next_url"]
    assert next_url and f"partnership={first.partnership_id}" in next_url
    page = client.get(next_url)
    assert [m.pk for m in page.context["figures"]] == [waiting[2].pk]
    assert page.context["next_url"] is None
    everything = client.get(url("measurement_review_queue", cast_a), {"partnership": "x"})
    assert len(everything.context["figures"]) == 2 and everything.context["next_url"]


def _queue_queries(cast) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    client = cast.client("coordinator")
    client.get(url("measurement_review_queue", cast))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("measurement_review_queue", cast))
    assert response.status_code == 200
    return len(queries), len(response.context["figures"])


def test_review_queue_query_count_does_not_grow(cast_a):
    # Expected: session, user, membership, the MFA check, the tenant setting, the page of
    # figures (with indicator, period, organization, partnership and submitter joined),
    # and the partnerships of the filter -- whatever the number of rows.
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[0],
            value=1,
            status="submitted",
        )
    few_queries, few_rows = _queue_queries(cast_a)
    with workspace_context(cast_a.workspace):
        for _ in range(3):
            indicator = make_indicator(cast_a)
            for period in periods_of(indicator)[:4]:
                make_measurement(
                    cast_a, indicator=indicator, period=period, value=2, status="submitted"
                )
    many_queries, many_rows = _queue_queries(cast_a)
    assert (few_rows, many_rows) == (1, 13)
    assert many_queries == few_queries


def test_coordinator_approves_and_returns_one_figure(cast_a, gendered):
    indicator, period, _ = gendered
    with workspace_context(cast_a.workspace):
        figure = make_measurement(
            cast_a, indicator=indicator, period=period, value=3, status="submitted"
        )
        other = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[1],
            value=4,
            status="submitted",
        )
    client = cast_a.client("coordinator")
    detail = client.get(url("measurement_detail", cast_a, pk=figure.pk)).content.decode()
    assert "Approve" in detail and "Return with the note" in detail
    review = url("measurement_review", cast_a, pk=figure.pk)
    response = client.post(review, {"decision": "return", "note": "", "version": "1"})
    assert response.status_code == 400
    assert "Say what needs to change" in response.content.decode()
    response = client.post(review, {"decision": "approve", "version": "7"})
    assert response.status_code == 409
    assert figure_of(cast_a, indicator, period).status == "submitted"  # type: ignore[union-attr]
    response = client.post(review, {"decision": "approve", "note": "", "version": "1"})
    assert response.status_code == 302
    assert figure_of(cast_a, indicator, period).status == "approved"  # type: ignore[union-attr]
    response = client.post(
        url("measurement_review", cast_a, pk=other.pk),
        {"decision": "return", "note": "Which district?", "version": "1"},
    )
    returned = figure_of(cast_a, indicator, periods_of(indicator)[1])
    assert returned.status == "returned" and returned.review_note == "Which district?"  # type: ignore[union-attr]
    history = client.get(url("measurement_detail", cast_a, pk=other.pk)).content.decode()
    assert "Which district?" in history and "Returned" in history


def test_bulk_review_from_the_queue(cast_a, gendered):
    indicator, _, _ = gendered
    with workspace_context(cast_a.workspace):
        periods = periods_of(indicator)
        waiting = [
            make_measurement(cast_a, indicator=indicator, period=p, value=2, status="submitted")
            for p in periods[:3]
        ]
        draft = make_measurement(
            cast_a, indicator=indicator, period=periods[3], value=1, status="draft"
        )
    client = cast_a.client("admin")
    html = client.get(url("measurement_review_queue", cast_a)).content.decode()
    assert html.count('type="checkbox" name="measurement"') == 3
    response = client.post(
        url("measurement_review_bulk", cast_a),
        {"measurement": [waiting[0].pk, waiting[1].pk], "decision": "return", "note": ""},
        follow=True,
    )
    assert "Nothing was decided" in response.content.decode()
    response = client.post(
        url("measurement_review_bulk", cast_a),
        {"measurement": [waiting[0].pk, waiting[1].pk, draft.pk], "decision": "approve"},
        follow=True,
    )
    html = response.content.decode()
    assert "Approved 2 figures." in html and "Skipped 1" in html
    with workspace_context(cast_a.workspace):
        statuses = dict(Measurement.objects.values_list("pk", "status"))
    assert statuses[waiting[0].pk] == statuses[waiting[1].pk] == MeasurementStatus.APPROVED
    assert statuses[waiting[2].pk] == MeasurementStatus.SUBMITTED
    assert statuses[draft.pk] == MeasurementStatus.DRAFT


# --- Evidence -------------------------------------------------------------------------


def test_evidence_download_for_those_who_see_the_figure(cast_a, cast_b, gendered):
    indicator, period, _ = gendered
    with workspace_context(cast_a.workspace):
        figure = measurement_save(
            workspace=cast_a.workspace,
            actor=cast_a.partner,
            access=access_of(cast_a, "partner"),
            indicator=indicator,
            period=period,
            organization=cast_a.organization,
            value=Decimal("1"),
            evidence_file=SimpleUploadedFile("sign-in sheet.pdf", PDF_BYTES),
        )
        bare = make_measurement(
            cast_a, indicator=indicator, period=periods_of(indicator)[1], value=1
        )
    response = cast_a.client("viewer").get(url("measurement_evidence", cast_a, pk=figure.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert 'filename="sign-in sheet.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        cast_a.client("viewer").get(url("measurement_evidence", cast_a, pk=bare.pk)).status_code
        == 404
    )
    assert (
        cast_b.client("admin").get(url("measurement_evidence", cast_a, pk=figure.pk)).status_code
        == 404
    )
