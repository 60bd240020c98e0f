"""The activity page in a browser at 320 px: accessible, fits the screen, filters work
without JavaScript."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import log_in
from tests.e2e.test_small_screens import WIDTH, assert_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_activity_page_on_a_small_screen(page, checks, live_server, scene):  # type: ignore[no-untyped-def]
    from partnerhub.tenancy import workspace_context
    from partners.models import PartnershipModel
    from partners.services.partnerships import partnership_create, partnership_update

    with workspace_context(scene.workspace):
        partnership = partnership_create(
            workspace=scene.workspace,
            actor=scene.admin,
            name="Summer jobs for school leavers in the harbour district",
            model=PartnershipModel.COLLECTIVE_IMPACT,
            lead_organization=scene.organization,
        )
        partnership_update(
            workspace=scene.workspace,
            actor=scene.admin,
            partnership=partnership,
            common_agenda="Every school leaver in the district finds a first job within a year.",
        )
    page.set_viewport_size({"width": WIDTH, "height": 640})
    log_in(page, checks, live_server.url, scene.admin.email, scene.password)
    page.goto(f"{live_server.url}/w/{scene.workspace.slug}/activity/")
    checks.check()
    assert_no_horizontal_scroll(page)
    assert page.locator("li.activity-entry").count() == 3
    page.get_by_label("Action").select_option("update")
    page.get_by_role("button", name="Apply filters").click()
    checks.check()
    assert page.locator("li.activity-entry").count() == 1
    assert "Every school leaver" in page.locator("li.activity-entry").inner_text()
    page.goto(f"{live_server.url}/w/{scene.workspace.slug}/partnerships/{partnership.pk}/activity/")
    checks.check()
    assert_no_horizontal_scroll(page)
