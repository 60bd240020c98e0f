"""API keys: the services, the Bearer authentication, the admin's page and the command."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerhub.models import ApiKey, ApiKeyScope
from partnerhub.services.api_keys import (
    KEY_PREFIX,
    ApiKeyRejected,
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    split_key,
)

pytestmark = pytest.mark.django_db


def _bearer(raw_key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}


def _me(raw_key: str, client: Client | None = None, **extra: str):  # type: ignore[no-untyped-def]
    return (client or Client()).get(reverse("api_me"), **_bearer(raw_key), **extra)


def _all_stored_text() -> str:
    """Every stored value of every API key row, as one string."""
    return "\n".join(str(value) for row in ApiKey.objects.values() for value in row.values())


# --- Services ---------------------------------------------------------------------------


def test_create_stores_only_a_hash_and_returns_the_key_once(cast_a):
    api_key, raw_key = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="Dashboard", scope=ApiKeyScope.READ
    )
    prefix, secret = raw_key.split("_")[1:]
    assert raw_key.startswith(f"{KEY_PREFIX}_")
    assert split_key(raw_key) == (api_key.prefix, raw_key)
    assert prefix == api_key.prefix and 8 <= len(prefix) <= 12
    assert len(secret) >= 40
    assert api_key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    stored = _all_stored_text()
    assert raw_key not in stored
    assert secret not in stored
    assert api_key.created_by == cast_a.admin
    assert api_key.last_used_at is None and api_key.revoked_at is None


def test_generated_keys_always_split_into_three_parts(cast_a):
    prefixes = set()
    for n in range(30):
        api_key, raw_key = api_key_create(
            workspace=cast_a.workspace, actor=None, name=f"Key {n}", scope=ApiKeyScope.READ
        )
        assert raw_key.count("_") == 2, raw_key
        assert split_key(raw_key) is not None
        prefixes.add(api_key.prefix)
    assert len(prefixes) == 30


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  ", "scope": "read"}, "name"),
        ({"name": "x" * 101, "scope": "read"}, "name"),
        ({"name": "Sync", "scope": "admin"}, "scope"),
        ({"name": "Sync", "scope": "read", "expires_at": timezone.now()}, "expires_at"),
    ],
)
def test_create_refuses_invalid_input(cast_a, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        api_key_create(workspace=cast_a.workspace, actor=cast_a.admin, **kwargs)
    assert field in excinfo.value.message_dict
    assert ApiKey.objects.count() == 0


def test_revoke_is_idempotent_and_scoped_to_the_workspace(cast_a, cast_b):
    api_key, raw_key = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="Sync", scope="write"
    )
    with pytest.raises(ApiKey.DoesNotExist):
        api_key_revoke(workspace=cast_b.workspace, actor=cast_b.admin, api_key=api_key)
    api_key.refresh_from_db()
    assert api_key.revoked_at is None

    api_key_revoke(workspace=cast_a.workspace, actor=cast_a.admin, api_key=api_key)
    first = ApiKey.objects.get(pk=api_key.pk).revoked_at
    assert first is not None
    api_key_revoke(workspace=cast_a.workspace, actor=cast_a.admin, api_key=api_key)
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at == first
    with pytest.raises(ApiKeyRejected, match="revoked"):
        api_key_authenticate(raw_key=raw_key)


def test_authenticate_reads_the_key_and_its_workspace_as_the_orm_does(
    cast_a, django_assert_num_queries, monkeypatch
):
    """The key is read by one constant statement on PostgreSQL: every field of the key and
    of its workspace must be what the ORM reads, and the workspace is already loaded."""
    api_key, raw_key = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="Sync", scope=ApiKeyScope.WRITE
    )
    ApiKey.objects.filter(pk=api_key.pk).update(
        last_used_at=timezone.now(), expires_at=timezone.now() + timedelta(days=3)
    )
    expected = ApiKey.objects.select_related("workspace").get(pk=api_key.pk)
    with django_assert_num_queries(1):
        found = api_key_authenticate(raw_key=raw_key)
        workspace = found.workspace
    field_names = [f.attname for f in ApiKey._meta.concrete_fields]
    assert [getattr(found, n) for n in field_names] == [getattr(expected, n) for n in field_names]
    assert found.expires_at is not None and found.expires_at.tzinfo is not None
    workspace_fields = [f.attname for f in workspace._meta.concrete_fields]
    assert [getattr(workspace, n) for n in workspace_fields] == [
        getattr(expected.workspace, n) for n in workspace_fields
    ]
    assert workspace.slug == cast_a.workspace.slug
    # A model instance loaded from the database, saved as an update (not an insert).
    assert not found._state.adding and found._state.db == "default"
    # Off PostgreSQL (and for an unknown prefix) the answers agree too.
    monkeypatch.setattr("partnerhub.services.api_keys.connection.vendor", "sqlite")
    assert api_key_authenticate(raw_key=raw_key).pk == found.pk
    monkeypatch.undo()
    with pytest.raises(ApiKeyRejected):
        api_key_authenticate(raw_key=f"{KEY_PREFIX}_zzzzzzzzzz_{'x' * 43}")


# --- Bearer authentication --------------------------------------------------------------


@pytest.fixture
def read_key(cast_a) -> tuple[ApiKey, str]:
    return api_key_create(workspace=cast_a.workspace, actor=cast_a.admin, name="BI", scope="read")


def test_a_valid_key_authenticates_and_records_its_last_use(read_key):
    api_key, raw_key = read_key
    before = timezone.now()
    response = _me(raw_key)
    assert response.status_code == 200
    assert response.json()["prefix"] == api_key.prefix
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None and api_key.last_used_at >= before

    # Within the resolution window a second use does not write again.
    first_use = api_key.last_used_at
    assert _me(raw_key).status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at == first_use


def test_last_use_moves_once_the_window_has_passed(read_key):
    api_key, raw_key = read_key
    long_ago = timezone.now() - timedelta(hours=1)
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=long_ago)
    assert _me(raw_key).status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at > long_ago + timedelta(minutes=59)


def test_the_scheme_name_is_case_insensitive(read_key):
    _, raw_key = read_key
    response = Client().get(reverse("api_me"), HTTP_AUTHORIZATION=f"bearer {raw_key}")
    assert response.status_code == 200


def _assert_401(response, detail_fragment: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert detail_fragment in body["detail"]


def test_revoked_key_is_refused(read_key, cast_a):
    api_key, raw_key = read_key
    api_key_revoke(workspace=cast_a.workspace, actor=cast_a.admin, api_key=api_key)
    _assert_401(_me(raw_key), "revoked")


def test_expired_key_is_refused(read_key):
    api_key, raw_key = read_key
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_401(_me(raw_key), "expired")


def test_key_with_a_future_expiry_works(cast_a):
    _, raw_key = api_key_create(
        workspace=cast_a.workspace,
        actor=cast_a.admin,
        name="Short-lived",
        scope="read",
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert _me(raw_key).status_code == 200


def test_wrong_secret_with_a_real_prefix_is_refused(read_key):
    api_key, raw_key = read_key
    forged = f"{KEY_PREFIX}_{api_key.prefix}_{'A' * 43}"
    assert forged != raw_key
    _assert_401(_me(forged), "Invalid")


@pytest.mark.parametrize("raw", ["nonsense", "phk_only-two", "phk__secret", "xyz_abc_def"])
def test_malformed_keys_are_refused(db, raw):
    _assert_401(_me(raw), "Malformed")


@pytest.mark.parametrize("param", ["api_key", "key", "token", "access_token"])
def test_a_key_in_the_query_string_is_refused(read_key, param):
    _, raw_key = read_key
    url = reverse("api_me") + f"?{param}={raw_key}"
    _assert_401(Client().get(url), "Authorization header")
    # Even alongside a valid header: the key has leaked into a URL and must not be accepted.
    _assert_401(Client().get(url, **_bearer(raw_key)), "Authorization header")


def test_no_credentials_is_401(db):
    response = Client().get(reverse("api_me"))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


# --- Management command -----------------------------------------------------------------


def test_command_prints_the_key_once_on_the_last_line(cast_a):
    out = io.StringIO()
    call_command(
        "create_api_key",
        "--workspace",
        cast_a.workspace.slug,
        "--scope",
        "write",
        "--name",
        "CRM sync",
        stdout=out,
    )
    lines = out.getvalue().strip().splitlines()
    raw_key = lines[-1]
    assert out.getvalue().count(raw_key) == 1
    api_key = ApiKey.objects.get()
    assert raw_key.startswith(f"{KEY_PREFIX}_{api_key.prefix}_")
    assert api_key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert (api_key.workspace, api_key.scope, api_key.name) == (
        cast_a.workspace,
        "write",
        "CRM sync",
    )
    assert api_key.expires_at is None and api_key.created_by is None
    assert raw_key not in _all_stored_text()
    assert _me(raw_key).json() == {
        "kind": "api_key",
        "prefix": api_key.prefix,
        "scope": "write",
        "workspace": cast_a.workspace.slug,
    }


def test_command_sets_an_expiry_in_days(cast_a):
    call_command(
        "create_api_key",
        "--workspace",
        cast_a.workspace.slug,
        "--scope",
        "read",
        "--name",
        "Pilot",
        "--expires-days",
        "30",
        stdout=io.StringIO(),
    )
    expires_at = ApiKey.objects.get().expires_at
    expected = timezone.now() + timedelta(days=30)
    assert expires_at is not None
    assert abs((expires_at - expected).total_seconds()) < 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workspace", "no-such-workspace", "--scope", "read", "--name", "X"], "No workspace"),
        (["--workspace", "ws-a", "--scope", "admin", "--name", "X"], "--scope"),
        (["--workspace", "ws-a", "--scope", "read", "--name", "X", "--expires-days", "0"], "days"),
        (["--workspace", "ws-a", "--scope", "read", "--name", " "], "name"),
    ],
)
def test_command_errors_clearly(cast_a, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", *args, stdout=io.StringIO())
    assert ApiKey.objects.count() == 0


# --- The admin's page -------------------------------------------------------------------


def _page_url(cast) -> str:  # type: ignore[no-untyped-def]
    return reverse("workspace_api_keys", kwargs={"workspace_slug": cast.workspace.slug})


def _revoke_url(cast, api_key: ApiKey) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "workspace_api_key_revoke",
        kwargs={"workspace_slug": cast.workspace.slug, "pk": api_key.pk},
    )


def test_page_lists_keys_with_their_details(cast_a, read_key):
    api_key, raw_key = read_key
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    response = cast_a.client("admin").get(_page_url(cast_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "BI" in html
    assert f"phk_{api_key.prefix}_" in html
    assert "Revoked" in html
    assert raw_key not in html
    assert 'href="/api/v1/docs/"' in html
    for label in ("Name", "Scope", "Expires"):
        assert f">{label}" in html
    assert html.count("<label") >= 3


@pytest.mark.parametrize("role", ["coordinator", "partner", "viewer"])
def test_page_is_for_admins_only(cast_a, role):
    assert cast_a.client(role).get(_page_url(cast_a)).status_code == 403
    response = cast_a.client(role).post(_page_url(cast_a), {"name": "X", "scope": "write"})
    assert response.status_code == 403
    assert ApiKey.objects.count() == 0


def test_page_is_404_for_another_workspace_admin(cast_a, cast_b):
    client = cast_b.client("admin")
    assert client.get(_page_url(cast_a)).status_code == 404
    assert client.post(_page_url(cast_a), {"name": "X", "scope": "write"}).status_code == 404
    assert ApiKey.objects.count() == 0


def test_page_needs_a_login(cast_a):
    response = Client().get(_page_url(cast_a))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_creating_a_key_shows_it_exactly_once(cast_a):
    client = cast_a.client("admin")
    response = client.post(_page_url(cast_a), {"name": "Funder dashboard", "scope": "read"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    api_key = ApiKey.objects.get()
    html = response.content.decode()
    start = html.index(f"{KEY_PREFIX}_{api_key.prefix}_", html.index('id="new-api-key"'))
    raw_key = html[start:].split('"', 1)[0]
    assert api_key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert html.count(raw_key) == 1
    assert "only time" in html
    assert (api_key.name, api_key.scope, api_key.created_by) == (
        "Funder dashboard",
        "read",
        cast_a.admin,
    )
    assert raw_key not in _all_stored_text()
    assert all(raw_key not in str(value) for value in client.session.values())

    again = client.get(_page_url(cast_a)).content.decode()
    assert raw_key not in again
    assert f"phk_{api_key.prefix}_" in again

    assert _me(raw_key).status_code == 200


def test_creating_a_key_with_an_expiry_date(cast_a):
    day = (timezone.now() + timedelta(days=10)).date()
    response = cast_a.client("admin").post(
        _page_url(cast_a), {"name": "Pilot", "scope": "write", "expires": day.isoformat()}
    )
    assert response.status_code == 200
    api_key = ApiKey.objects.get()
    assert api_key.scope == "write"
    assert api_key.expires_at is not None
    # The start of that day in the workspace's time zone.
    local = timezone.localtime(api_key.expires_at, ZoneInfo(cast_a.workspace.timezone))
    assert (local.date(), local.hour, local.minute) == (day, 0, 0)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "scope": "read"}, "This field is required"),
        ({"name": "X", "scope": "admin"}, "Select a valid choice"),
        ({"name": "X", "scope": "read", "expires": "2001-01-01"}, "after today"),
    ],
)
def test_invalid_form_shows_errors_and_creates_nothing(cast_a, data, error):
    response = cast_a.client("admin").post(_page_url(cast_a), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert ApiKey.objects.count() == 0


def test_admin_revokes_a_key(cast_a, read_key):
    api_key, raw_key = read_key
    client = cast_a.client("admin")
    response = client.post(_revoke_url(cast_a, api_key))
    assert response.status_code == 302
    assert response["Location"] == _page_url(cast_a)
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    _assert_401(_me(raw_key), "revoked")
    page = client.get(_page_url(cast_a)).content.decode()
    assert "revoked" in page.lower()
    assert _revoke_url(cast_a, api_key) not in page  # no revoke button for a revoked key


def test_revoke_needs_post_admin_and_the_same_workspace(cast_a, cast_b, read_key):
    api_key, raw_key = read_key
    url = _revoke_url(cast_a, api_key)
    assert cast_a.client("admin").get(url).status_code == 405
    assert cast_a.client("coordinator").post(url).status_code == 403
    assert cast_b.client("admin").post(url).status_code == 404
    # B's admin naming A's key under B's own workspace: still not theirs.
    assert cast_b.client("admin").post(_revoke_url(cast_b, api_key)).status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
    assert _me(raw_key).status_code == 200
