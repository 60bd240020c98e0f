"""The rules of figures: who may report, what is refused, breakdown sums, evidence,
optimistic concurrency, idempotent saves, and the review workflow (one by one and in
bulk) with the goal status that follows approved figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from goals.models import GoalStatus, SharedGoal
from impact.models import (
    DimensionCategory,
    Measurement,
    MeasurementBreakdown,
    MeasurementEvent,
    MeasurementEventKind,
    ValueType,
)
from impact.services_measurements import (
    APPROVED_MESSAGE,
    MeasurementConflict,
    measurement_approve,
    measurement_return,
    measurement_save,
    measurement_submit,
    measurement_unchanged,
    measurements_review_bulk,
)
from partnerhub.models import ActivityEvent, ApiKeyScope
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import activate_workspace, workspace_context
from tests.goals.helpers import access_of, key_access
from tests.impact.helpers import make_indicator, make_measurement, periods_of

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ws(cast_a):  # type: ignore[no-untyped-def]
    """Run the test body inside workspace A's tenant context."""
    with workspace_context(cast_a.workspace):
        yield cast_a


def categories(indicator) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        c.name: c.pk
        for c in DimensionCategory.objects.filter(
            workspace_id=indicator.workspace_id, dimension__indicator=indicator
        )
    }


def save(cast, indicator, *, role="partner", period=None, organization=None, **values):  # type: ignore[no-untyped-def]
    values.setdefault("value", Decimal("10"))
    return measurement_save(
        workspace=cast.workspace,
        actor=cast.user(role),
        access=access_of(cast, role),
        indicator=indicator,
        period=period or periods_of(indicator)[0],
        organization=organization or cast.organization,
        **values,
    )


def error_keys(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(exc.value.message_dict)


# --- Saving ---------------------------------------------------------------------------


def test_partner_submits_and_saves_drafts_with_history(ws):
    indicator = make_indicator(ws)
    draft = save(ws, indicator, value="12.5", note=" counted at the door ", submit=False)
    assert (draft.status, draft.version, draft.value) == ("draft", 1, Decimal("12.5"))
    assert draft.note == "counted at the door"
    assert draft.submitted_at is None
    submitted = save(ws, indicator, value="13", expected_version=1)
    assert submitted.pk == draft.pk
    assert (submitted.status, submitted.version) == ("submitted", 2)
    assert submitted.submitted_by == ws.partner and submitted.submitted_at is not None
    kinds = list(
        MeasurementEvent.objects.filter(measurement=submitted)
        .order_by("id")
        .values_list("kind", "value")
    )
    assert kinds == [("saved", Decimal("12.5")), ("submitted", Decimal("13"))]
    actions = list(
        ActivityEvent.objects.filter(
            object_type="impact.measurement", object_id=submitted.pk
        ).values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "update"]


def test_saving_the_same_figure_again_writes_nothing(ws):
    indicator = make_indicator(ws, dimensions={"Gender": ["Female", "Male"]})
    cats = categories(indicator)
    first = save(ws, indicator, value=10, breakdown={cats["Female"]: 6, cats["Male"]: 4}, note="n")
    again = save(
        ws, indicator, value="10.0000", breakdown={cats["Male"]: "4", cats["Female"]: 6}, note="n "
    )
    assert again.version == first.version == 1
    assert MeasurementEvent.objects.filter(measurement=first).count() == 1
    # A changed breakdown is a change.
    changed = save(
        ws, indicator, value=10, breakdown={cats["Female"]: 5, cats["Male"]: 5}, note="n"
    )
    assert changed.version == 2
    # Same data but a different status (save as draft) is a change too.
    assert (
        save(
            ws,
            indicator,
            value=10,
            breakdown={cats["Female"]: 5, cats["Male"]: 5},
            note="n",
            submit=False,
        ).status
        == "draft"
    )


def test_measurement_unchanged_compares_value_breakdown_and_note(ws):
    indicator = make_indicator(ws, dimensions={"Gender": ["Female", "Male"]})
    cats = categories(indicator)
    figure = save(ws, indicator, value=10, breakdown={cats["Female"]: 10}, note="x")
    assert measurement_unchanged(figure, value="10", breakdown={cats["Female"]: "10.00"}, note="x")
    assert not measurement_unchanged(figure, value="11", breakdown={cats["Female"]: 10}, note="x")
    assert not measurement_unchanged(figure, value="10", breakdown={}, note="x")
    assert not measurement_unchanged(figure, value="10", breakdown={cats["Female"]: 10}, note="y")
    assert not measurement_unchanged(figure, value="ten", breakdown=None, note="x")


def test_period_of_another_indicator_is_refused(ws):
    indicator = make_indicator(ws)
    other = make_indicator(ws, partnership=indicator.partnership)
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, period=periods_of(other)[0])
    assert error_keys(exc) == {"period"}


def test_locked_period_refuses_new_and_changed_figures(ws):
    indicator = make_indicator(ws)
    first, second = periods_of(indicator)[:2]
    figure = save(ws, indicator, period=first, submit=False)
    for period in (first, second):
        period.locked = True
        period.save()
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, period=second)
    assert "locked" in str(exc.value.message_dict["period"])
    with pytest.raises(ValidationError):
        save(ws, indicator, period=first, value=11, submit=False)
    # Sending the stored data again changes nothing and is not an error.
    assert save(ws, indicator, period=first, submit=False).version == figure.version
    with pytest.raises(ValidationError):
        measurement_submit(
            workspace=ws.workspace,
            actor=ws.partner,
            access=access_of(ws, "partner"),
            measurement=figure,
        )


def test_approved_figure_cannot_be_changed(ws):
    indicator = make_indicator(ws)
    period = periods_of(indicator)[0]
    make_measurement(ws, indicator=indicator, period=period, value=10)
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, value=11)
    assert exc.value.messages == [APPROVED_MESSAGE]
    # The same value again (a re-import) is not a change.
    assert save(ws, indicator, value=10).status == "approved"


def test_who_may_report_for_which_organization(ws):
    indicator = make_indicator(ws)
    not_reported = make_indicator(
        ws, partnership=indicator.partnership, reporters=[ws.other_organization]
    )
    # A partner for another organization: not allowed.
    with pytest.raises(PermissionDenied):
        save(ws, indicator, organization=ws.other_organization)
    # A partner whose organization does not report the indicator.
    with pytest.raises(PermissionDenied):
        save(ws, not_reported, organization=ws.organization)
    # A viewer never reports.
    with pytest.raises(PermissionDenied):
        save(ws, indicator, role="viewer")
    # A coordinator naming an organization that does not report it: a field error.
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, role="coordinator", organization=ws.other_organization)
    assert error_keys(exc) == {"organization"}
    # ... and may report for a reporting organization.
    figure = save(ws, not_reported, role="coordinator", organization=ws.other_organization)
    assert figure.organization == ws.other_organization and figure.submitted_by == ws.coordinator


def test_partner_whose_organization_left_the_partnership_may_not_report(ws):
    indicator = make_indicator(ws)
    indicator.partnership.members.update(left_on=date(2025, 6, 1))
    with pytest.raises(PermissionDenied):
        save(ws, indicator)


@pytest.mark.parametrize(
    ("value", "value_type", "message"),
    [
        ("-1", ValueType.NUMBER, "negative"),
        ("abc", ValueType.NUMBER, "number"),
        ("1.00001", ValueType.NUMBER, "decimal places"),
        ("100.5", ValueType.PERCENTAGE, "between 0 and 100"),
        ("1e20", ValueType.NUMBER, "too large"),
    ],
)
def test_bad_values_are_refused(ws, value, value_type, message):
    indicator = make_indicator(ws, value_type=value_type)
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, value=value)
    assert message in " ".join(exc.value.message_dict["value"])


def test_percentage_of_100_is_fine(ws):
    indicator = make_indicator(ws, value_type=ValueType.PERCENTAGE, unit="%")
    assert save(ws, indicator, value="100").value == Decimal("100")


def test_breakdown_of_an_exhaustive_dimension_adds_up_to_the_total(ws):
    indicator = make_indicator(ws, dimensions={"Gender": ["Female", "Male", "Another"]})
    cats = categories(indicator)
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, value=10, breakdown={cats["Female"]: 6, cats["Male"]: 3})
    assert "add up to 9" in exc.value.message_dict["breakdown"][0]
    # A category left out counts as 0.
    figure = save(ws, indicator, value=10, breakdown={cats["Female"]: 6, cats["Male"]: 4})
    stored = dict(
        MeasurementBreakdown.objects.filter(measurement=figure).values_list("category_id", "value")
    )
    assert stored == {cats["Female"]: Decimal("6"), cats["Male"]: Decimal("4")}


def test_breakdown_of_a_non_exhaustive_dimension_may_not_exceed_the_total(ws):
    indicator = make_indicator(
        ws, dimensions={"Disability": ["Visual", "Hearing"]}, exhaustive=False
    )
    cats = categories(indicator)
    assert save(ws, indicator, value=10, breakdown={cats["Visual"]: 3}).status == "submitted"
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, value=10, breakdown={cats["Visual"]: 8, cats["Hearing"]: 3})
    assert "more than the total" in exc.value.message_dict["breakdown"][0]


def test_breakdown_of_a_percentage_is_not_summed(ws):
    indicator = make_indicator(
        ws, value_type=ValueType.PERCENTAGE, dimensions={"Gender": ["Female", "Male"]}
    )
    cats = categories(indicator)
    figure = save(ws, indicator, value=60, breakdown={cats["Female"]: 70, cats["Male"]: 50})
    assert figure.value == Decimal("60")
    with pytest.raises(ValidationError):
        save(ws, indicator, value=60, breakdown={cats["Female"]: 170})


def test_breakdown_with_categories_of_another_indicator_is_refused(ws):
    indicator = make_indicator(ws, dimensions={"Gender": ["Female", "Male"]})
    other = make_indicator(ws, dimensions={"Gender": ["Female", "Male"]})
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, value=10, breakdown={categories(other)["Female"]: 10})
    assert error_keys(exc) == {"breakdown"}
    with pytest.raises(ValidationError):
        save(ws, indicator, value=10, breakdown={categories(indicator)["Female"]: -1})


def test_evidence_link_must_be_http(ws):
    indicator = make_indicator(ws)
    for link in ("ftp://example.org/x", "javascript:alert(1)", "not a link"):
        with pytest.raises(ValidationError) as exc:
            save(ws, indicator, evidence_link=link)
        assert error_keys(exc) == {"evidence_link"}
    figure = save(ws, indicator, evidence_link="https://example.org/register.pdf")
    assert figure.evidence_link == "https://example.org/register.pdf"
    # An empty link keeps the current one; remove_evidence drops it.
    assert save(ws, indicator, value=11).evidence_link == "https://example.org/register.pdf"
    assert save(ws, indicator, value=11, remove_evidence=True).evidence_link == ""


def test_evidence_file_follows_the_upload_rules(ws):
    indicator = make_indicator(ws)
    fake = SimpleUploadedFile("register.pdf", b"just text", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        save(ws, indicator, evidence_file=fake)
    assert error_keys(exc) == {"evidence_file"}
    assert not Measurement.objects.exists()
    pdf = SimpleUploadedFile("../Register März.pdf", PDF_BYTES, content_type="text/plain")
    figure = save(ws, indicator, evidence_file=pdf)
    assert figure.evidence_name == "Register März.pdf"
    assert figure.evidence_content_type == "application/pdf"
    assert "März" not in figure.evidence_file.name
    assert figure.evidence_file.name.startswith(f"evidence/{ws.workspace.pk}/{indicator.pk}/")
    with figure.evidence_file.open("rb") as handle:
        assert handle.read() == PDF_BYTES


def test_evidence_file_is_removed_when_the_figure_is_refused(ws, tmp_path):
    indicator = make_indicator(ws)
    period = periods_of(indicator)[0]
    period.locked = True
    period.save()
    pdf = SimpleUploadedFile("register.pdf", PDF_BYTES)
    with pytest.raises(ValidationError):
        save(ws, indicator, evidence_file=pdf)
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_stale_version_is_a_conflict_carrying_the_current_figure(ws):
    indicator = make_indicator(ws)
    figure = save(ws, indicator, value=10, submit=False)
    save(ws, indicator, role="coordinator", value=12, expected_version=1, submit=False)
    with pytest.raises(MeasurementConflict) as exc:
        save(ws, indicator, value=11, expected_version=1)
    assert exc.value.measurement.pk == figure.pk
    assert exc.value.measurement.version == 2 and exc.value.measurement.value == Decimal("12")
    # "I saw no figure" while one exists is a conflict too.
    with pytest.raises(MeasurementConflict):
        save(ws, indicator, value=11, expected_version=0)
    assert Measurement.objects.get(pk=figure.pk).value == Decimal("12")


def test_api_key_may_submit_and_is_recorded_as_the_submitter(ws):
    indicator = make_indicator(ws)
    api_key, _ = api_key_create(
        workspace=ws.workspace, actor=ws.admin, name="CRM", scope=ApiKeyScope.WRITE
    )
    figure = measurement_save(
        workspace=ws.workspace,
        actor=api_key,
        access=key_access(ws, api_key, "coordinator"),
        indicator=indicator,
        period=periods_of(indicator)[0],
        organization=ws.organization,
        value=7,
        event_kind=MeasurementEventKind.IMPORTED,
    )
    assert figure.submitted_by is None and figure.submitted_by_key == api_key
    event = MeasurementEvent.objects.get(measurement=figure)
    assert (event.kind, event.actor_key) == ("imported", api_key)
    with pytest.raises(PermissionDenied, match="Approval stays with people"):
        measurement_approve(workspace=ws.workspace, actor=api_key, measurement=figure)
    with pytest.raises(PermissionDenied):
        measurement_return(workspace=ws.workspace, actor=api_key, measurement=figure, note="no")
    with pytest.raises(PermissionDenied):
        measurements_review_bulk(
            workspace=ws.workspace, actor=api_key, measurement_ids=[figure.pk], approve=True
        )


# --- Review ---------------------------------------------------------------------------


def test_review_workflow_draft_submitted_returned_submitted_approved(ws):
    indicator = make_indicator(ws)
    partner = access_of(ws, "partner")
    figure = save(ws, indicator, value=10, submit=False)
    figure = measurement_submit(
        workspace=ws.workspace, actor=ws.partner, access=partner, measurement=figure
    )
    assert (figure.status, figure.version) == ("submitted", 2)
    with pytest.raises(ValidationError) as exc:
        measurement_return(
            workspace=ws.workspace, actor=ws.coordinator, measurement=figure, note=" "
        )
    assert error_keys(exc) == {"note"}
    figure = measurement_return(
        workspace=ws.workspace,
        actor=ws.coordinator,
        measurement=figure,
        note="Count only the first visit.",
        expected_version=2,
    )
    assert (figure.status, figure.review_note, figure.reviewed_by) == (
        "returned",
        "Count only the first visit.",
        ws.coordinator,
    )
    with pytest.raises(ValidationError):  # only submitted figures are approved
        measurement_approve(workspace=ws.workspace, actor=ws.coordinator, measurement=figure)
    figure = save(ws, indicator, value=8, expected_version=figure.version)
    assert figure.status == "submitted"
    with pytest.raises(MeasurementConflict):
        measurement_approve(
            workspace=ws.workspace, actor=ws.admin, measurement=figure, expected_version=3
        )
    figure = measurement_approve(
        workspace=ws.workspace, actor=ws.admin, measurement=figure, expected_version=figure.version
    )
    assert figure.status == "approved" and figure.reviewed_by == ws.admin
    kinds = list(
        MeasurementEvent.objects.filter(measurement=figure)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["saved", "submitted", "returned", "submitted", "approved"]
    with pytest.raises(ValidationError):
        save(ws, indicator, value=9)
    # A coordinator may return an approved figure for a correction.
    figure = measurement_return(
        workspace=ws.workspace, actor=ws.coordinator, measurement=figure, note="Recount"
    )
    assert save(ws, indicator, value=9).status == "submitted"


def test_people_without_the_review_role_may_not_review(ws):
    indicator = make_indicator(ws)
    figure = save(ws, indicator)
    for role in ("partner", "viewer"):
        with pytest.raises(PermissionDenied):
            measurement_approve(workspace=ws.workspace, actor=ws.user(role), measurement=figure)


def test_returning_needs_an_unlocked_period(ws):
    indicator = make_indicator(ws)
    figure = save(ws, indicator)
    figure.period.locked = True
    figure.period.save()
    with pytest.raises(ValidationError, match="locked"):
        measurement_return(
            workspace=ws.workspace, actor=ws.coordinator, measurement=figure, note="x"
        )
    # Approving a submitted figure of a locked period is fine: nothing about it changes.
    assert (
        measurement_approve(workspace=ws.workspace, actor=ws.coordinator, measurement=figure).status
        == "approved"
    )


def test_bulk_review_decides_what_waits_and_skips_the_rest(cast_b, ws):
    with workspace_context(cast_b.workspace):
        foreign_indicator = make_indicator(cast_b)
        foreign = make_measurement(
            cast_b,
            indicator=foreign_indicator,
            period=periods_of(foreign_indicator)[0],
            value=1,
            status="submitted",
        )
    activate_workspace(ws.workspace)  # the setting lasts to the end of the transaction
    indicator = make_indicator(ws)
    periods = periods_of(indicator)
    waiting = [
        make_measurement(ws, indicator=indicator, period=periods[i], value=5, status="submitted")
        for i in range(3)
    ]
    draft = make_measurement(ws, indicator=indicator, period=periods[3], value=5, status="draft")
    approved = make_measurement(ws, indicator=indicator, period=periods[4], value=5)
    ids = [waiting[2].pk, draft.pk, waiting[0].pk, approved.pk, foreign.pk, waiting[1].pk]
    with pytest.raises(ValidationError):
        measurements_review_bulk(
            workspace=ws.workspace, actor=ws.coordinator, measurement_ids=ids, approve=False
        )
    outcome = measurements_review_bulk(
        workspace=ws.workspace, actor=ws.coordinator, measurement_ids=ids, approve=True
    )
    assert outcome.done == sorted(m.pk for m in waiting)
    skipped = dict(outcome.skipped)
    assert set(skipped) == {draft.pk, approved.pk, foreign.pk}
    assert "draft" in skipped[draft.pk] and "approved" in skipped[approved.pk]
    assert skipped[foreign.pk] == "Not found."
    statuses = dict(Measurement.objects.filter(workspace=ws.workspace).values_list("pk", "status"))
    assert all(statuses[m.pk] == "approved" for m in waiting)
    assert statuses[draft.pk] == "draft"
    with workspace_context(cast_b.workspace):
        assert Measurement.objects.get(pk=foreign.pk).status == "submitted"
    activate_workspace(ws.workspace)
    # Returning in bulk gives each figure the note; approved ones are left alone.
    more = make_measurement(ws, indicator=indicator, period=periods[5], value=5, status="submitted")
    outcome = measurements_review_bulk(
        workspace=ws.workspace,
        actor=ws.admin,
        measurement_ids=[more.pk, waiting[0].pk],
        approve=False,
        note="Add the evidence",
    )
    assert outcome.done == [more.pk] and [pk for pk, _ in outcome.skipped] == [waiting[0].pk]
    assert Measurement.objects.get(pk=more.pk).review_note == "Add the evidence"


def test_goal_status_follows_an_approved_figure(ws):
    goal = SharedGoal.objects.create(
        workspace=ws.workspace, partnership=make_indicator(ws).partnership, title="Reach people"
    )
    indicator = make_indicator(ws, partnership=goal.partnership, goal=goal)
    # Q4 2025 closes half-way from baseline to target: 1 of 100 is far behind the line.
    period = periods_of(indicator)[3]
    figure = save(ws, indicator, period=period, value=1)
    goal.refresh_from_db()
    assert goal.status != GoalStatus.OFF_TRACK  # submitted figures do not count
    measurement_approve(workspace=ws.workspace, actor=ws.coordinator, measurement=figure)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.OFF_TRACK
    assert indicator.name in goal.status_reason
    # Returning the approved figure takes it out of progress again.
    measurement_return(
        workspace=ws.workspace, actor=ws.coordinator, measurement=figure, note="Recount"
    )
    goal.refresh_from_db()
    assert goal.status != GoalStatus.OFF_TRACK


def test_goal_status_follows_bulk_approval(ws):
    goal = SharedGoal.objects.create(
        workspace=ws.workspace, partnership=make_indicator(ws).partnership, title="Reach people"
    )
    indicator = make_indicator(ws, partnership=goal.partnership, goal=goal)
    figure = make_measurement(
        ws, indicator=indicator, period=periods_of(indicator)[3], value=1, status="submitted"
    )
    measurements_review_bulk(
        workspace=ws.workspace, actor=ws.coordinator, measurement_ids=[figure.pk], approve=True
    )
    goal.refresh_from_db()
    assert goal.status == GoalStatus.OFF_TRACK
