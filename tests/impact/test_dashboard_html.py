"""The dashboard's ``<main>`` content, built in Python (``impact.dashboard_html``), is the
markup its template wrote (``tests/data/dashboard_content.html``): for each role, with
every section filled and with every section empty, with names that need escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse

from goals.models import SharedGoal
from partnerhub.tenancy import workspace_context
from tests.impact.helpers import make_partnership
from tests.impact.test_dashboard_reads import filled  # noqa: F401 -- the fixture

pytestmark = pytest.mark.django_db

REFERENCE = Template(
    (Path(__file__).resolve().parent.parent / "data" / "dashboard_content.html").read_text()
)
CONTEXT_KEYS = (
    "links",
    "sees_all",
    "partnership",
    "dashboard",
    "goal_rows",
    "milestone_groups",
    "indicators",
    "commitment_totals",
    "activity",
)


def _normal(html: str) -> str:
    """The markup with white space that no browser shows taken out (runs made one,
    none around tags), so that the two are compared tag by tag and text by text."""
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", " ".join(html.split()))


def _main(html: str) -> str:
    return html.split('<main id="main" tabindex="-1">', 1)[1].split("</main>", 1)[0]


def _compare(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    expected = REFERENCE.render(Context({key: response.context[key] for key in CONTEXT_KEYS}))
    assert _normal(_main(page)) == _normal(expected)
    return _main(page)


@pytest.mark.parametrize("role", ["admin", "coordinator", "partner", "viewer"])
def test_the_content_is_the_templates_for_every_role(cast_a, filled, role):  # noqa: F811
    with workspace_context(cast_a.workspace):
        SharedGoal.objects.filter(partnership=filled).update(title="<Clean> water & “more”")
        filled.name = 'Rivers & "Wells" <2026>'
        filled.save(update_fields=["name"])
    path = reverse(
        "partnership_dashboard", kwargs={"workspace_slug": cast_a.workspace.slug, "pk": filled.pk}
    )
    main = _compare(cast_a.client(role), path)
    assert "Rivers &amp; &quot;Wells&quot; &lt;2026&gt;" in main
    assert "&lt;Clean&gt; water &amp; “more”" in main
    # Every section is there and filled.
    for heading in ("glance", "goals", "milestones", "indicators", "commitments", "activity"):
        assert f'<h2 id="{heading}-heading">' in main
    assert "<meter" in main and 'class="activity-list"' in main


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_an_empty_dashboard_is_the_templates(cast_a, role):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
    path = reverse(
        "partnership_dashboard",
        kwargs={"workspace_slug": cast_a.workspace.slug, "pk": partnership.pk},
    )
    main = _compare(cast_a.client(role), path)
    for empty in (
        "No shared goals yet.",
        "No milestone is overdue.",
        "No indicators yet.",
        "No commitments recorded yet.",
    ):
        assert empty in main


@pytest.mark.parametrize("separator", [False, True])
def test_numbers_are_written_as_localize_writes_them(settings, separator):
    from decimal import Decimal

    from django.utils.formats import localize

    from impact.dashboard_html import _number

    settings.USE_THOUSAND_SEPARATOR = separator
    for value in (0, 7, 1234567, -12, Decimal("1234.50"), 12.5):
        assert _number(value) == str(localize(value)), value


def test_choice_labels_are_get_display():
    from goals.models import Milestone
    from impact.dashboard_html import _label
    from partnerhub.models import ActivityEvent
    from partners.models import Partnership

    for model, field in (
        (SharedGoal, "status"),
        (Milestone, "status"),
        (ActivityEvent, "action"),
        (Partnership, "model"),
        (Partnership, "status"),
    ):
        values = [value for value, _ in model._meta.get_field(field).flatchoices]
        assert values, (model, field)
        for value in [*values, "no-such-choice"]:
            instance = model(**{field: value})
            assert _label(instance, field) == getattr(instance, f"get_{field}_display")()
