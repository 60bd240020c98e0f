"""The conventions every endpoint inherits: authentication, scopes, errors, throttling,
ETags, pagination limits, the OpenAPI document and its offline docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import include, path, reverse
from rest_framework.response import Response

from partnerhub.api.base import WorkspaceGenericAPIView
from partnerhub.api.throttling import PrincipalRateThrottle
from partnerhub.models import Workspace
from partnerhub.permissions import Action
from partnerhub.services.api_keys import api_key_create

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


# A content endpoint of the kind later issues add (coordinators and write keys may change
# it), so that scopes can be tested before such endpoints exist.
class ProbeView(WorkspaceGenericAPIView):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.EDIT_CONTENT

    def get(self, request, workspace_slug):  # type: ignore[no-untyped-def]
        return Response({"workspace": self.workspace.slug})

    def post(self, request, workspace_slug):  # type: ignore[no-untyped-def]
        return Response({"workspace": self.workspace.slug}, status=201)


urlpatterns = [
    path("api/v1/w/<slug:workspace_slug>/probe/", ProbeView.as_view()),
    path("", include("partnerhub.urls")),
]
handler404 = "partnerhub.urls.handler404"


def _key(cast, scope: str = "read") -> str:  # type: ignore[no-untyped-def]
    _, raw = api_key_create(workspace=cast.workspace, actor=cast.admin, name=scope, scope=scope)
    return raw


def _key_client(raw_key: str, **defaults: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}", **defaults)


def _workspace_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("api_workspace", kwargs={"workspace_slug": cast.workspace.slug})


def _assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("https://")
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# --- Scopes -----------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_read_key_reads_but_gets_403_on_writes(cast_a):
    client = _key_client(_key(cast_a, "read"))
    assert client.get("/api/v1/w/ws-a/probe/").json() == {"workspace": "ws-a"}
    body = _assert_problem(
        client.post("/api/v1/w/ws-a/probe/", {}, content_type="application/json"), 403
    )
    assert body["type"].endswith("/permission_denied")


@pytest.mark.urls(__name__)
def test_write_key_writes_content_like_a_coordinator(cast_a):
    client = _key_client(_key(cast_a, "write"))
    response = client.post("/api/v1/w/ws-a/probe/", {}, content_type="application/json")
    assert response.status_code == 201
    assert cast_a.client("coordinator").post("/api/v1/w/ws-a/probe/").status_code == 201
    _assert_problem(cast_a.client("viewer").post("/api/v1/w/ws-a/probe/"), 403)
    _assert_problem(cast_a.client("partner").post("/api/v1/w/ws-a/probe/"), 403)


@pytest.mark.urls(__name__)
def test_key_of_workspace_a_on_workspace_b_is_404(cast_a, cast_b):
    client = _key_client(_key(cast_a, "write"))
    _assert_problem(client.get("/api/v1/w/ws-b/probe/"), 404)
    _assert_problem(client.post("/api/v1/w/ws-b/probe/"), 404)
    _assert_problem(client.get(_workspace_url(cast_b)), 404)


# --- Errors -----------------------------------------------------------------------------


def test_problem_details_shape(cast_a):
    response = cast_a.client("admin").patch(
        _workspace_url(cast_a), json.dumps({"timezone": "Nowhere"}), content_type="application/json"
    )
    body = _assert_problem(response, 400)
    assert body == {
        "type": "https://partnerhub.example/problems/invalid",
        "title": "Bad Request",
        "status": 400,
        "detail": "The request has invalid fields.",
        "instance": _workspace_url(cast_a),
        "errors": {"timezone": ["Choose an IANA time zone such as Europe/Berlin."]},
    }


def test_malformed_json_is_a_400_problem(cast_a):
    response = cast_a.client("admin").patch(
        _workspace_url(cast_a), "{not json", content_type="application/json"
    )
    _assert_problem(response, 400)


def test_method_not_allowed_is_a_problem(cast_a):
    body = _assert_problem(cast_a.client("admin").delete(_workspace_url(cast_a)), 405)
    assert body["title"] == "Method Not Allowed"


@pytest.mark.parametrize(
    "url", ["/api/v1/nothing-here/", "/api/v1/w/ws-a/nothing-here/", "/api/v1/w/ws-a/members/x/"]
)
def test_unknown_api_urls_answer_problem_404(cast_a, settings, url):
    settings.DEBUG = False
    body = _assert_problem(cast_a.client("admin").get(url), 404)
    assert body["title"] == "Not Found"


def test_unknown_html_urls_stay_html(cast_a, settings):
    settings.DEBUG = False
    response = cast_a.client("admin").get("/w/ws-a/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- Session authentication with CSRF ---------------------------------------------------


def test_session_writes_need_the_csrf_token(cast_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast_a.admin)
    url = _workspace_url(cast_a)
    data = json.dumps({"name": "Renamed"})
    body = _assert_problem(client.patch(url, data, content_type="application/json"), 403)
    assert "CSRF" in body["detail"]
    assert Workspace.objects.get(pk=cast_a.workspace.pk).name == "Workspace A"

    assert client.get(url).status_code == 200  # reads need no token
    token = "a" * 32
    client.cookies["csrftoken"] = token
    response = client.patch(url, data, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert Workspace.objects.get(pk=cast_a.workspace.pk).name == "Renamed"


def test_bearer_requests_need_no_csrf_token(cast_a):
    client = _key_client(_key(cast_a), enforce_csrf_checks=True)
    assert client.get(_workspace_url(cast_a)).status_code == 200


# --- Throttling -------------------------------------------------------------------------


@pytest.fixture
def two_per_minute(settings):  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "2/min"},
    }


def _hit(client: Client, url: str, times: int) -> list[int]:
    return [client.get(url).status_code for _ in range(times)]


def test_throttling_per_key_answers_429_with_retry_after(cast_a, two_per_minute):
    url = _workspace_url(cast_a)
    first = _key_client(_key(cast_a))
    assert _hit(first, url, 2) == [200, 200]
    response = first.get(url)
    body = _assert_problem(response, 429)
    assert body["type"].endswith("/throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another key, and the admin who created both, have buckets of their own.
    assert _hit(_key_client(_key(cast_a)), url, 2) == [200, 200]
    assert _hit(cast_a.client("admin"), url, 2) == [200, 200]


def test_throttling_per_user(cast_a, two_per_minute):
    url = reverse("api_me")
    admin = cast_a.client("admin")
    assert _hit(admin, url, 2) == [200, 200]
    response = admin.get(url)
    _assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    # The same person from a second session shares the bucket; another person does not.
    other_session = cast_a.client("admin")
    assert other_session.get(url).status_code == 429
    assert _hit(cast_a.client("viewer"), url, 2) == [200, 200]


def test_throttle_rate_set_on_the_class_still_wins(cast_a, monkeypatch):
    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "1/min"})
    client = cast_a.client("viewer")
    assert _hit(client, reverse("api_me"), 2) == [200, 429]


# --- ETag -------------------------------------------------------------------------------


def test_workspace_etag_and_conditional_get(cast_a):
    client = cast_a.client("admin")
    url = _workspace_url(cast_a)
    etag = client.get(url)["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    client.patch(
        url, json.dumps({"require_mfa": False, "name": "New"}), content_type="application/json"
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.parametrize(
    ("header", "if_none_match", "if_match"),
    [
        ('"abc"', True, True),
        ('W/"abc"', True, False),  # weak: good enough to skip a download, not to write
        ('"x", "abc"', True, True),
        ('"stale", *', True, False),  # ``*`` never stands for a version on a write
        ("*", True, False),
        ('"stale"', False, False),
        ("", False, False),
        (None, False, False),
    ],
)
def test_etag_comparisons(header, if_none_match, if_match):
    from partnerhub.api.base import etag_matches, if_match_passes

    assert etag_matches(header, '"abc"') is if_none_match
    assert if_match_passes(header, '"abc"') is if_match


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("1", True),
        ("9223372036854775807", True),
        ("9223372036854775808", False),
        ("99999999999999999999", False),
        ("1e30", False),
        ("1.5", False),
        ("0", False),
        ("-1", False),
        ("abc", False),
    ],
)
def test_id_filter_accepts_only_database_ids(raw, valid):
    import django_filters

    from partnerhub.api.filters import IdFilter
    from partnerhub.models import Workspace

    class Filters(django_filters.FilterSet):
        id = IdFilter(field_name="id")

        class Meta:
            model = Workspace
            fields = ["id"]

    form = Filters({"id": raw}, queryset=Workspace.objects.none()).form
    assert form.is_valid() is valid
    if valid:
        assert form.cleaned_data["id"] == int(raw)


# --- OpenAPI document and docs ----------------------------------------------------------


def test_schema_validates_without_warnings(tmp_path: Path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {
        "/api/v1/me/",
        "/api/v1/w/{workspace_slug}/",
        "/api/v1/w/{workspace_slug}/members/",
        "/api/v1/w/{workspace_slug}/members/{id}/",
    } <= set(paths)
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    members = paths["/api/v1/w/{workspace_slug}/members/"]["get"]
    names = {p["name"] for p in members["parameters"]}
    assert {
        "workspace_slug",
        "cursor",
        "page_size",
        "updated_since",
        "role",
        "organization",
        "ordering",
    } <= names
    assert "application/problem+json" in members["responses"]["404"]["content"]


def test_schema_endpoint_is_public(db):
    response = Client().get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert json.loads(response.content)["info"]["title"] == "PartnerHub API"
    yaml_doc = Client().get(reverse("api_schema"))
    assert yaml.safe_load(yaml_doc.content)["openapi"].startswith("3.")


def _external_hosts(text: str) -> list[str]:
    return re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, flags=re.IGNORECASE)


def test_docs_are_served_offline(db):
    client = Client()
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert _external_hosts(html) == []
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert source.startswith(("/static/", "/api/v1/")), source
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
    # No inline script: every script is loaded from our origin.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp

    init_url = next(s for s in sources if s.startswith("/api/v1/docs/"))
    script = client.get(init_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    js = script.content.decode()
    assert reverse("api_schema") in js
    assert _external_hosts(js) == []


def test_docs_page_is_linked_from_the_api_keys_page(cast_a):
    html = (
        cast_a.client("admin")
        .get(reverse("workspace_api_keys", kwargs={"workspace_slug": "ws-a"}))
        .content.decode()
    )
    assert f'href="{reverse("api_docs")}"' in html
