"""A walk over every URL pattern of the project, HTML and API, as workspace B against
workspace A: whatever the view, an outsider gets 404.

The walk discovers the patterns at run time, so a URL added later is walked too:
- a pattern with ``workspace_slug`` is tenant-scoped and is requested with every HTTP
  method, with A's slug and A's objects (404 expected), and with B's own slug but A's
  objects (404 expected: the object lookup is scoped to the URL's workspace);
- its other URL arguments come from ``OBJECT_MAKERS`` below: a pattern with an argument
  the registry does not know fails the walk until someone registers it;
- a pattern without ``workspace_slug`` must be on the short ``PUBLIC_ROUTES`` allowlist.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.regex_helper import normalize

from goals.models import Milestone
from goals.services import goal_create, milestone_create
from goals.services_updates import progress_update_post
from partnerhub.access import WorkspaceAccess
from partnerhub.models import ApiKeyScope, Invitation, Reminder, ReminderKind, Role
from partnerhub.services.api_keys import api_key_create
from partnerhub.tenancy import SETTING, workspace_context
from partners.models import (
    CommitmentKind,
    Condition,
    MemberRole,
    Partnership,
    PartnershipMember,
    PartnershipModel,
)
from partners.services.commitments import commitment_create
from partners.services.documents import document_upload
from partners.services.organization_import import organization_import_upload
from partners.services.partnerships import partnership_create, partnership_member_add
from roles.services import role_assign
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganizationFactory
from tests.security.url_walk_impact import IMPACT_MAKERS

WORKSPACE_KWARG = "workspace_slug"
FILLED_KWARGS = {"format": "json"}  # DRF format suffixes
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")

# Patterns outside any workspace, each with why it may be. Regular expressions matched
# against the full route as Django prints it. Keep this list short.
PUBLIC_ROUTES: dict[str, str] = {
    r"": "home: lists the signed-in user's own workspaces",
    r"health/": "health check for load balancers, no data",
    r"admin/.*": "Django admin: platform staff only",
    r"accounts/.*": "account pages (login, signup, email, password, MFA)",
    r"invitations/<str:token>/": "invitation accept: the emailed token is the credential",
    r"reminders/unsubscribe/<str:token>/": "reminder emails' unsubscribe: the signed token is "
    "the credential",
    r"api/v1/schema/": "OpenAPI document",
    r"api/v1/docs/": "Swagger UI",
    r"api/v1/me/": "the caller: a person and their memberships, or a key and its workspace",
    r"static/.*": "static files",
}


# --- Objects of a workspace for the URLs' arguments ------------------------------------
#
# Each maker creates fresh objects of ``cast.workspace`` (through the services, as the app
# does) and returns the URL arguments other than workspace_slug. The walk calls them for
# workspace A, and for workspace B to mix B's parent with A's child in nested URLs.

Maker = Callable[[Cast], dict[str, Any]]
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
CSV_BYTES = b"name,sector\nWalk Import Org,nonprofit\n"


def _unique(label: str) -> str:
    return f"{label} {secrets.token_hex(4)}"


def _member(cast: Cast) -> dict[str, Any]:
    membership = MembershipFactory(workspace=cast.workspace, role=Role.VIEWER)
    return {"pk": membership.pk}


def _invitation(cast: Cast) -> dict[str, Any]:
    # Created directly: the walk needs a row, not the invitation service's emails.
    invitation = Invitation.objects.create(
        workspace=cast.workspace,
        email=f"invitee-{secrets.token_hex(4)}@example.org",
        role=Role.VIEWER,
        token_hash=secrets.token_hex(32),
        invited_by=cast.admin,
        expires_at=timezone.now() + timedelta(days=7),
    )
    return {"pk": invitation.pk}


def _api_key(cast: Cast) -> dict[str, Any]:
    api_key, _ = api_key_create(
        workspace=cast.workspace, actor=cast.admin, name=_unique("tool"), scope=ApiKeyScope.WRITE
    )
    return {"pk": api_key.pk}


def _webhook_endpoint(cast: Cast) -> dict[str, Any]:
    from django.test import override_settings

    from partnerhub.services.webhooks import webhook_endpoint_create

    # A loopback target needs the development setting (production refuses it).
    with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True), workspace_context(cast.workspace):
        endpoint, _ = webhook_endpoint_create(
            workspace=cast.workspace,
            actor=cast.admin,
            url=f"http://127.0.0.1:9/{secrets.token_hex(4)}",
            events=["milestone.updated"],
        )
    return {"pk": endpoint.pk}


def _webhook_delivery(cast: Cast) -> dict[str, Any]:
    from partnerhub.models import WebhookDelivery
    from partnerhub.selectors_webhooks import webhook_endpoint_get
    from partnerhub.services.webhooks import webhook_test_send

    kwargs = _webhook_endpoint(cast)
    with workspace_context(cast.workspace):
        endpoint = webhook_endpoint_get(workspace=cast.workspace, pk=kwargs["pk"])
        webhook_test_send(workspace=cast.workspace, actor=cast.admin, endpoint=endpoint)
        delivery = WebhookDelivery.objects.for_workspace(cast.workspace).get(endpoint=endpoint)
    return {"pk": endpoint.pk, "delivery_pk": delivery.pk}


def _organization(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        organization = OrganizationFactory(workspace=cast.workspace, name=_unique("Walk org"))
    return {"pk": organization.pk}


def _organization_import(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        record = organization_import_upload(
            workspace=cast.workspace,
            actor=cast.admin,
            uploaded=io.BytesIO(CSV_BYTES),
            name="organizations.csv",
            size=len(CSV_BYTES),
        )
    return {"pk": record.pk}


def _new_partnership(cast: Cast, model: str = PartnershipModel.CROSS_SECTOR) -> Partnership:
    return partnership_create(
        workspace=cast.workspace,
        actor=cast.coordinator,
        name=_unique("Walk partnership"),
        model=model,
    )


def _partnership(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        partnership = _new_partnership(cast)
    return {"pk": partnership.pk}


def _collective_impact_initiative(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        partnership = _new_partnership(cast, PartnershipModel.COLLECTIVE_IMPACT)
    return {"pk": partnership.pk}


def _new_partnership_member(cast: Cast) -> PartnershipMember:
    partnership = _new_partnership(cast)
    return partnership_member_add(
        workspace=cast.workspace,
        actor=cast.coordinator,
        partnership=partnership,
        organization=cast.organization,
        roles=[MemberRole.IMPLEMENTER],
    )


def _partnership_member(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        member = _new_partnership_member(cast)
    return {"pk": member.partnership_id, "member_pk": member.pk}


def _commitment(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        member = _new_partnership_member(cast)
        commitment = commitment_create(
            workspace=cast.workspace,
            actor=cast.coordinator,
            member=member,
            kind=CommitmentKind.STAFF_TIME,
            pledged=Decimal("40"),
        )
    return {"pk": member.partnership_id, "commitment_pk": commitment.pk}


def _document(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        partnership = _new_partnership(cast)
        document = document_upload(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership,
            file=SimpleUploadedFile("mou.pdf", PDF_BYTES, content_type="application/pdf"),
        )
    return {"pk": partnership.pk, "doc_pk": document.pk}


def _condition(cast: Cast) -> dict[str, Any]:
    values = _collective_impact_initiative(cast)
    return {"partnership_pk": values["pk"], "condition": Condition.COMMON_AGENDA.value}


def _new_milestone(cast: Cast) -> Milestone:
    goal = goal_create(
        workspace=cast.workspace,
        actor=cast.coordinator,
        partnership=_new_partnership(cast),
        title=_unique("Walk goal"),
    )
    return milestone_create(
        workspace=cast.workspace,
        actor=cast.coordinator,
        goal=goal,
        title=_unique("Walk milestone"),
        due_date=timezone.localdate() + timedelta(days=30),
    )


def _goal(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        milestone = _new_milestone(cast)
    return {"pk": milestone.goal_id}


def _milestone(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        milestone = _new_milestone(cast)
    return {"pk": milestone.pk}


def _progress_update(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        milestone = _new_milestone(cast)
        update = progress_update_post(
            workspace=cast.workspace,
            actor=cast.coordinator,
            access=WorkspaceAccess(workspace=cast.workspace, role=Role.COORDINATOR),
            milestone=milestone,
            expected_version=milestone.version,
            status="in_progress",
            percent_complete=10,
            narrative="Walk update",
        )
    return {"pk": update.pk, "milestone_pk": milestone.pk}


def _role_assignment(cast: Cast) -> dict[str, Any]:
    with workspace_context(cast.workspace):
        milestone = _new_milestone(cast)
        partnership_member_add(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=milestone.partnership,
            organization=cast.organization,
            roles=[MemberRole.IMPLEMENTER],
        )
        assignment = role_assign(
            workspace=cast.workspace,
            actor=cast.coordinator,
            milestone=milestone,
            organization=cast.organization,
            raci="R",
        )
    return {"pk": assignment.pk}


def _reminder(cast: Cast) -> dict[str, Any]:
    """A reminder of the cast's admin (the one person who may open it in the walk)."""
    with workspace_context(cast.workspace):
        reminder = Reminder.objects.create(
            workspace=cast.workspace,
            recipient=cast.admin,
            kind=ReminderKind.MANUAL,
            subject_type="walk",
            subject_id=secrets.randbelow(1_000_000_000),
            occurrence="walk",
            title=_unique("Walk reminder"),
            path=f"/w/{cast.workspace.slug}/",
        )
    return {"pk": reminder.pk}


def _pick(maker: Maker, **names: str) -> Maker:
    """The same objects under the URL's own argument names (new name=maker's name)."""

    def pick(cast: Cast) -> dict[str, Any]:
        values = maker(cast)
        return {new: values[old] for new, old in names.items()}

    return pick


# URL name -> the maker of its arguments. Register every new URL with arguments here.
OBJECT_MAKERS: dict[str, Maker] = {
    # roles
    "raci_matrix": _partnership,
    "raci_cell": _partnership,
    "api_role_assignment-detail": _role_assignment,
    # the tenancy core
    "workspace_member": _member,
    "workspace_member_remove": _member,
    "workspace_invitation_resend": _invitation,
    "workspace_invitation_revoke": _invitation,
    "workspace_api_key_revoke": _api_key,
    "workspace_webhook_detail": _webhook_endpoint,
    "workspace_webhook_rotate": _webhook_endpoint,
    "workspace_webhook_test": _webhook_endpoint,
    "workspace_webhook_delete": _webhook_endpoint,
    "workspace_webhook_redeliver": _webhook_delivery,
    "notification_open": _reminder,
    "partnership_reminders": _partnership,
    "api_member-detail": _member,
    # organizations
    "organization_detail": _organization,
    "organization_edit": _organization,
    "organization_delete": _organization,
    "organization_import_detail": _organization_import,
    "organization_import_apply": _organization_import,
    "api_organization-detail": _organization,
    # partnerships
    "partnership_detail": _partnership,
    "partnership_edit": _partnership,
    "partnership_status": _partnership,
    "partnership_member_add": _partnership,
    "partnership_conditions": _collective_impact_initiative,
    "commitment_create": _partnership,
    "document_upload": _partnership,
    "partnership_suggestions": _partnership,
    "partnership_activity": _partnership,
    "partnership_member_edit": _partnership_member,
    "partnership_member_remove": _partnership_member,
    "commitment_delivery_add": _commitment,
    "document_download": _document,
    "document_delete": _document,
    "api_partnership-detail": _partnership,
    "api_partnership-status": _partnership,
    "api_partnership-commitment-totals": _partnership,
    "api_partnership-status-changes": _pick(_partnership, partnership_pk="pk"),
    "api_partnership-conditions": _pick(_collective_impact_initiative, partnership_pk="pk"),
    "api_partnership-condition": _condition,
    "api_partnership-members": _pick(_partnership, partnership_pk="pk"),
    "api_partnership_member-detail": _pick(_partnership_member, pk="member_pk"),
    "api_commitment-detail": _pick(_commitment, pk="commitment_pk"),
    "api_commitment-deliveries": _pick(_commitment, commitment_pk="commitment_pk"),
    "api_document-detail": _pick(_document, pk="doc_pk"),
    "api_document-download": _pick(_document, pk="doc_pk"),
    # goals
    "goal_list": _partnership,
    "goal_create": _partnership,
    "goal_detail": _goal,
    "goal_edit": _goal,
    "goal_delete": _goal,
    "milestone_create": _goal,
    "milestone_detail": _milestone,
    "milestone_update": _milestone,
    "milestone_edit": _milestone,
    "milestone_delete": _milestone,
    "milestone_comment": _milestone,
    "api_goal-detail": _goal,
    "api_milestone-detail": _milestone,
    "api_milestone-progress-updates": _pick(_milestone, milestone_pk="pk"),
    "api_milestone-comments": _pick(_milestone, milestone_pk="pk"),
    "api_progress_update-detail": _progress_update,
    **IMPACT_MAKERS,
}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)


# --- Discovering the patterns ---------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    route: str  # as Django prints it, e.g. "w/<slug:workspace_slug>/members/<int:pk>/"
    name: str | None  # with namespaces, e.g. "admin:index"
    kwargs: tuple[str, ...]
    regexes: tuple[str, ...]  # one per level, to build URLs that hit exactly this pattern
    callback: Callable[..., Any] = field(compare=False)

    @property
    def is_tenant(self) -> bool:
        return WORKSPACE_KWARG in self.kwargs

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def object_kwargs(self) -> tuple[str, ...]:
        return tuple(k for k in self.kwargs if k != WORKSPACE_KWARG and k not in FILLED_KWARGS)

    def __str__(self) -> str:
        return f"{self.route} ({self.name or 'unnamed'})"


def _kwarg_names(pattern: URLPattern | URLResolver) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def iter_endpoints(
    patterns: list | None = None,
    route: str = "",
    namespaces: tuple[str, ...] = (),
    kwargs: tuple[str, ...] = (),
    regexes: tuple[str, ...] = (),
) -> Iterator[Endpoint]:
    """Every URL pattern of the project, through every include()."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        level_route = route + str(pattern.pattern)
        level_kwargs = kwargs + tuple(_kwarg_names(pattern))
        level_regexes = (*regexes, pattern.pattern.regex.pattern)
        if isinstance(pattern, URLResolver):
            level_namespaces = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from iter_endpoints(
                pattern.url_patterns, level_route, level_namespaces, level_kwargs, level_regexes
            )
        else:
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            yield Endpoint(level_route, name, level_kwargs, level_regexes, pattern.callback)


def build_url(endpoint: Endpoint, values: dict[str, Any]) -> str:
    """The path of this very pattern (not a namesake) with the given arguments."""
    path = "/"
    for regex in endpoint.regexes:
        candidates = normalize(regex)
        for template, params in candidates:
            if all(p in values for p in params):
                path += template % {p: values[p] for p in params}
                break
        else:
            raise AssertionError(f"cannot build {endpoint} from {sorted(values)}")
    match = resolve(path)
    assert match.func is endpoint.callback, f"{path} resolves to another view than {endpoint}"
    return path


def is_public(endpoint: Endpoint) -> bool:
    return any(re.fullmatch(rx, endpoint.route) for rx in PUBLIC_ROUTES)


def allowed_methods(callback: Callable[..., Any]) -> set[str] | None:
    """The HTTP methods the view serves, or None when it cannot be told (function views)."""
    actions = getattr(callback, "actions", None)  # DRF viewsets bind methods to actions
    if actions:
        methods = {m.upper() for m in actions} | {"OPTIONS"}
    else:
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if view_class is None:
            return None
        names = view_class.http_method_names
        methods = {m.upper() for m in names if m != "trace" and hasattr(view_class, m)}
        if "GET" in methods and "head" not in names:
            return methods  # HEAD is refused by this view's http_method_names
    if "GET" in methods:
        methods.add("HEAD")  # Django and DRF serve HEAD with the GET handler
    return methods


# --- Requests -------------------------------------------------------------------------


def _clear_tenant_setting() -> None:
    """Each request starts like a fresh one on a pooled connection: no workspace set.

    (Inside the test's own transaction, a setting made by an earlier request or by the
    object makers would otherwise still be visible to a view that forgot to set its own.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', true)", [SETTING])


def _request(client: Client, method: str, url: str, *, api: bool) -> HttpResponse:
    _clear_tenant_setting()
    kwargs: dict[str, Any] = {}
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        kwargs = (
            {"data": "{}", "content_type": "application/json"}
            if api
            else {"data": "", "content_type": "application/x-www-form-urlencoded"}
        )
    return getattr(client, method.lower())(url, **kwargs)


def _missing_like(values: dict[str, Any]) -> dict[str, Any]:
    """The same URL arguments naming objects that do not exist anywhere."""
    return {
        key: 2_000_000_000 if isinstance(value, int) else f"missing-{secrets.token_hex(4)}"
        for key, value in values.items()
    }


@dataclass
class Walk:
    """Collects every unexpected answer, so one run reports them all."""

    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def check(
        self,
        client: Client,
        endpoint: Endpoint,
        url: str,
        *,
        who: str,
        tolerated: frozenset[int] = frozenset(),
        missing_url: str | None = None,
    ) -> None:
        """Every method answers 404 (405 where the view does not serve the method).

        With ``missing_url`` (the same URL naming objects that exist nowhere), OPTIONS may
        answer as it does there: it describes the endpoint and reads no object, so an
        identical answer tells nothing about the other workspace's object.
        """
        allowed = allowed_methods(endpoint.callback)
        for method in METHODS:
            response = _request(client, method, url, api=endpoint.is_api)
            self.requests += 1
            expected = {404} | set(tolerated)
            if allowed is None or method not in allowed:
                expected.add(405)  # refused before (or without) any lookup: no oracle
            if response.status_code in expected:
                continue
            if method == "OPTIONS" and missing_url is not None:
                control = _request(client, method, missing_url, api=endpoint.is_api)
                if (control.status_code, control.content) == (
                    response.status_code,
                    response.content,
                ):
                    continue
            self.failures.append(
                f"{who}: {method} {url} [{endpoint}] answered {response.status_code}, "
                f"expected {sorted(expected)}"
            )

    def assert_clean(self) -> None:
        assert self.requests > 0
        assert not self.failures, f"{len(self.failures)} answers leak:\n" + "\n".join(self.failures)


def _object_kwargs(endpoint: Endpoint, cast_a: Cast) -> dict[str, Any]:
    if not endpoint.object_kwargs:
        return {}
    maker = OBJECT_MAKERS.get(endpoint.name or "")
    if maker is None:
        pytest.fail(
            f"The URL walk does not know how to fill {list(endpoint.object_kwargs)} of "
            f"{endpoint}: give the pattern a name and register it in OBJECT_MAKERS of "
            f"{__name__.replace('.', '/')}.py with a function creating an object of "
            "workspace A.",
            pytrace=False,
        )
    values = maker(cast_a)
    missing = set(endpoint.object_kwargs) - set(values)
    assert not missing, f"OBJECT_MAKERS[{endpoint.name!r}] does not return {sorted(missing)}"
    return values


# The walk's clients turn a view's exception into its 500 answer, so one run reports
# every failing URL instead of stopping at the first.


def _member_client(cast: Cast, role: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(cast.user(role))
    return client


def _write_key_client(cast: Cast) -> Client:
    _, raw_key = api_key_create(
        workspace=cast.workspace, actor=cast.admin, name="B's tool", scope=ApiKeyScope.WRITE
    )
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw_key}")


def tenant_endpoints() -> list[Endpoint]:
    return [e for e in iter_endpoints() if e.is_tenant]


# --- The tests ------------------------------------------------------------------------


def test_every_pattern_is_tenant_scoped_or_allowlisted():
    unscoped = [str(e) for e in iter_endpoints() if not e.is_tenant and not is_public(e)]
    assert not unscoped, (
        "These URLs are neither under a workspace (<slug:workspace_slug>) nor on the "
        "PUBLIC_ROUTES allowlist of tests/security/test_url_walk.py:\n" + "\n".join(unscoped)
    )


def test_every_allowlist_entry_is_used():
    routes = [e.route for e in iter_endpoints()]
    unused = [
        rx
        for rx in PUBLIC_ROUTES
        if rx != r"static/.*" and not any(re.fullmatch(rx, r) for r in routes)
    ]
    assert not unused, f"stale PUBLIC_ROUTES entries: {unused}"


def test_every_registered_url_name_exists():
    names = {e.name for e in iter_endpoints()}
    stale = sorted(set(OBJECT_MAKERS) - names)
    assert not stale, f"OBJECT_MAKERS names URLs that no longer exist: {stale}"


def test_the_walk_reaches_html_and_api_patterns():
    endpoints = tenant_endpoints()
    assert any(not e.is_api for e in endpoints)
    assert any(e.is_api for e in endpoints)
    assert any(e.object_kwargs for e in endpoints)


def _walk_as_b(
    walk: Walk,
    client: Client,
    endpoint: Endpoint,
    cast_a: Cast,
    cast_b: Cast,
    *,
    who: str,
    tolerated_on_own: frozenset[int] = frozenset(),
) -> None:
    """Request ``endpoint`` as B (``client``) with A's objects, three ways."""
    a_values = _object_kwargs(endpoint, cast_a)
    # 1. A's workspace in the URL: B is no member there, and its key not of it.
    a_url = {**FILLED_KWARGS, WORKSPACE_KWARG: cast_a.workspace.slug}
    walk.check(client, endpoint, build_url(endpoint, {**a_url, **a_values}), who=f"{who} on A")
    if not endpoint.object_kwargs:
        return
    # 2. B's own workspace in the URL, A's objects: every lookup is scoped to B.
    b_url = {**FILLED_KWARGS, WORKSPACE_KWARG: cast_b.workspace.slug}
    # (label, the arguments, the same with the foreign objects replaced by missing ones)
    variants = [("A's objects", a_values, _missing_like(a_values))]
    # 3. Nested URLs: B's own parent with one of A's objects beneath it (a view that scopes
    #    the parent but fetches the child by id alone would show A's child).
    if len(endpoint.object_kwargs) > 1:
        b_values = _object_kwargs(endpoint, cast_b)
        for kwarg in endpoint.object_kwargs:
            if a_values[kwarg] == b_values[kwarg]:
                continue  # not an object (a choice such as a condition's name)
            one = {kwarg: a_values[kwarg]}
            variants.append(
                (
                    f"B's objects but A's {kwarg}",
                    {**b_values, **one},
                    {**b_values, **_missing_like(one)},
                )
            )
    for label, values, missing in variants:
        walk.check(
            client,
            endpoint,
            build_url(endpoint, {**b_url, **values}),
            who=f"{who} on B with {label}",
            tolerated=tolerated_on_own,
            missing_url=build_url(endpoint, {**b_url, **missing}),
        )


@pytest.mark.django_db
def test_member_of_b_gets_404_on_every_url_of_a(cast_a, cast_b):
    client = _member_client(cast_b, "admin")
    walk = Walk()
    for endpoint in tenant_endpoints():
        _walk_as_b(walk, client, endpoint, cast_a, cast_b, who="B's admin")
    walk.assert_clean()


@pytest.mark.django_db
def test_api_key_of_b_gets_404_on_every_api_url_of_a(cast_a, cast_b):
    client = _write_key_client(cast_b)
    walk = Walk()
    for endpoint in tenant_endpoints():
        if endpoint.is_api:
            # A write key acts as a coordinator: where that role may not act at all
            # (managing members) B's own workspace answers 403 before any lookup, which
            # says nothing about A's objects.
            _walk_as_b(
                walk,
                client,
                endpoint,
                cast_a,
                cast_b,
                who="B's write key",
                tolerated_on_own=frozenset({403}),
            )
    walk.assert_clean()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in_everywhere(cast_a):
    """Without a session or key: HTML asks to log in, the API answers 401 — the same for
    every workspace, so neither tells whether A or its objects exist."""
    client = Client(raise_request_exception=False)
    login_url = resolve_url(settings.LOGIN_URL)
    wrong: list[str] = []
    for endpoint in tenant_endpoints():
        values = _object_kwargs(endpoint, cast_a)
        url = build_url(
            endpoint, {**FILLED_KWARGS, **values, WORKSPACE_KWARG: cast_a.workspace.slug}
        )
        allowed = allowed_methods(endpoint.callback)
        for method in METHODS:
            response = _request(client, method, url, api=endpoint.is_api)
            status = response.status_code
            if allowed is None and status == 405:
                continue
            if endpoint.is_api:
                ok = status == 401
            else:
                ok = status == 302 and response["Location"].startswith(login_url)
            if not ok:
                wrong.append(f"anonymous: {method} {url} [{endpoint}] answered {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_the_same_urls_answer_their_own_workspace(cast_a):
    """Control: A's admin (and A's write key, on the API) reach these URLs, so the 404s
    above come from the workspace boundary, not from URLs the walk built wrongly."""
    admin = _member_client(cast_a, "admin")
    key_client = _write_key_client(cast_a)
    wrong: list[str] = []
    for endpoint in tenant_endpoints():
        values = _object_kwargs(endpoint, cast_a)
        url = build_url(
            endpoint, {**FILLED_KWARGS, **values, WORKSPACE_KWARG: cast_a.workspace.slug}
        )
        clients = [("A's admin", admin)] + (
            [("A's write key", key_client)] if endpoint.is_api else []
        )
        for who, client in clients:
            status = _request(client, "GET", url, api=endpoint.is_api).status_code
            if status == 404 or status >= 500:
                wrong.append(f"{who}: GET {url} [{endpoint}] answered {status}")
    assert not wrong, "\n".join(wrong)


# --- The walk's own machinery ---------------------------------------------------------


def test_allowed_methods_reads_views_and_viewsets():
    from django.views.generic import TemplateView
    from rest_framework.viewsets import GenericViewSet

    assert allowed_methods(TemplateView.as_view(template_name="x.html")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }

    class _Set(GenericViewSet):
        def retrieve(self, request, *args, **kwargs): ...

    assert allowed_methods(_Set.as_view({"get": "retrieve"})) == {"GET", "HEAD", "OPTIONS"}
    assert allowed_methods(lambda request: None) is None


def test_unregistered_arguments_fail_the_walk(cast_a):
    stray = Endpoint(
        route="w/<slug:workspace_slug>/things/<int:pk>/",
        name="workspace_thing",
        kwargs=(WORKSPACE_KWARG, "pk"),
        regexes=(),
        callback=lambda request: None,
    )
    with pytest.raises(pytest.fail.Exception, match="register it in OBJECT_MAKERS"):
        _object_kwargs(stray, cast_a)
