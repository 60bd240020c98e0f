"""CSV import of organizations: the file checks, the preview, applying, large files."""

from __future__ import annotations

import io
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerhub.tenancy import workspace_context
from partners.models import ImportStatus, Organization, OrganizationImport, OrganizationTrait
from partners.services.organization_import import (
    organization_import_analyze,
    organization_import_upload,
    progress_key,
)
from tests.partners.org_helpers import make_org

pytestmark = pytest.mark.django_db

HEADER = "name,sector,mission,website,country,region,size,iati_identifier,sdgs,tags,offers,needs"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


def csv_file(
    text: str, name: str = "organizations.csv", encoding: str = "utf-8"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(client, cast, content: SimpleUploadedFile):  # type: ignore[no-untyped-def]
    return client.post(url("organization_import", cast), {"file": content})


def _records(cast) -> int:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return OrganizationImport.objects.for_workspace(cast.workspace).count()


def _names(cast) -> list[str]:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return list(
            Organization.objects.for_workspace(cast.workspace)
            .order_by("name")
            .values_list("name", flat=True)
        )


GOOD = "\n".join(
    [
        # Header names in any case and order; a UTF-8 byte-order mark in front.
        "\ufeffName,SECTOR,Mission,sdgs,Tags,offers,needs,Country,IATI_identifier",
        "Water for Schools,nonprofit,Clean water,6;4,WASH; Youth,volunteers,funding,ke,",
        'Green Bank,Business,"Finance, for climate",13,,funding;expertise,data,DE,XM-DAC-1',
        "Ministry of Education,government,,4,,policy,,KE,",
    ]
)


def test_upload_preview_apply(cast_a):
    client = cast_a.client("coordinator")
    response = upload(client, cast_a, csv_file(GOOD))
    assert response.status_code == 302
    with workspace_context(cast_a.workspace):
        record = OrganizationImport.objects.get(workspace=cast_a.workspace)
    assert response["Location"] == url("organization_import_detail", cast_a, pk=record.pk)
    assert record.status == ImportStatus.PREVIEW
    assert record.total_rows == 3
    assert record.file.name.startswith("imports/organizations/")
    assert "organizations.csv" not in record.file.name  # stored under a random name

    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert "Import 3 valid rows" in html
    assert "Water for Schools" in html
    assert _names(cast_a) == ["Org A1", "Org A2"]  # nothing imported yet

    done = client.post(url("organization_import_apply", cast_a, pk=record.pk))
    assert done.status_code == 302
    assert _names(cast_a) == [
        "Green Bank",
        "Ministry of Education",
        "Org A1",
        "Org A2",
        "Water for Schools",
    ]
    with workspace_context(cast_a.workspace):
        record.refresh_from_db()
        bank = Organization.objects.get(workspace=cast_a.workspace, name="Green Bank")
        traits = set(
            OrganizationTrait.objects.filter(organization=bank).values_list("kind", "value")
        )
    assert (record.status, record.created_count, record.unchanged_count) == ("done", 3, 0)
    assert record.processed_rows == record.total_rows == 3
    assert bank.mission == "Finance, for climate"
    assert bank.iati_identifier == "XM-DAC-1"
    assert traits == {
        ("sdg", "13"),
        ("offers", "funding"),
        ("offers", "expertise"),
        ("needs", "data"),
    }
    result = client.get(url("organization_import_detail", cast_a, pk=record.pk)).content.decode()
    assert "Done: 3 of 3 rows handled." in result


def test_bad_rows_get_per_row_errors_and_valid_rows_still_import(cast_a):
    text = "\n".join(
        [
            HEADER,
            "Good One,nonprofit,,,,,,,4,,,",
            ",nonprofit,,,,,,,,,,",  # row 3: no name
            "Bad Sector,pirates,,,,,,,,,,",  # row 4
            "Bad Many,business,,not a url,Kenya,,huge,,18;4,,gold,",  # row 5
            "Too Many Cells,business,,,,,,,,,,,extra",  # row 6
        ]
    )
    client = cast_a.client("coordinator")
    location = upload(client, cast_a, csv_file(text))["Location"]
    preview = client.get(location)
    errors = preview.context["errors"]
    by_row: dict[int, set[str]] = {}
    for error in errors:
        by_row.setdefault(error["row"], set()).add(error["column"])
    assert by_row == {
        3: {"name"},
        4: {"sector"},
        5: {"website", "country", "size", "sdgs", "offers"},
        6: {""},
    }
    html = preview.content.decode()
    assert "“pirates” is not a sector" in html
    assert "Import 1 valid row" in html
    assert [r.number for r in preview.context["analysis"].to_create] == [2]
    record_pk = preview.context["record"].pk
    client.post(url("organization_import_apply", cast_a, pk=record_pk))
    assert "Good One" in _names(cast_a)
    with workspace_context(cast_a.workspace):
        record = OrganizationImport.objects.get(pk=record_pk)
    assert record.valid_rows == 1
    assert {e["row"] for e in record.errors} == {3, 4, 5, 6}


def test_duplicates_in_the_file_and_in_the_workspace(cast_a):
    make_org(
        cast_a.workspace, "Green Bank", sector="business", iati_identifier="XM-DAC-1", sdgs=[13]
    )
    make_org(
        cast_a.workspace,
        "Water for Schools",
        sector="nonprofit",
        mission="Old mission",
        iati_identifier="XM-DAC-9",
    )
    text = "\n".join(
        [
            "name,sector,mission,iati_identifier,sdgs",
            "green bank,business,,XM-DAC-1,13",  # 2: the same organization, same values
            "Water for Schools,nonprofit,New mission,,",  # 3: exists, other values
            "Renamed Bank,business,,xm-dac-1,13",  # 4: same IATI id as row 2 of the file
            "New Org,academic,,XM-DAC-2,",  # 5: new
            "NEW ORG,academic,,,",  # 6: same name as row 5
            "Clash,business,,XM-DAC-2,",  # 7: same IATI id as row 5
            "Org A1,business,,XM-DAC-9,",  # 8: name of one, IATI id of another
        ]
    )
    client = cast_a.client("coordinator")
    preview = client.get(upload(client, cast_a, csv_file(text))["Location"])
    analysis = preview.context["analysis"]
    status = {row.number: row.status for row in analysis.rows}
    assert status == {
        2: "unchanged",
        3: "exists",
        4: "error",
        5: "create",
        6: "error",
        7: "error",
        8: "error",
    }
    messages = {e["row"]: e["message"] for e in preview.context["errors"]}
    assert "row 2" in messages[4]
    assert "row 5" in messages[6]
    assert "row 5" in messages[7]
    assert "belongs to “Water for Schools”" in messages[8]
    exists = next(r for r in analysis.rows if r.number == 3)
    assert "mission" in exists.note and "not changed" in exists.note
    client.post(url("organization_import_apply", cast_a, pk=preview.context["record"].pk))
    with workspace_context(cast_a.workspace):
        water = Organization.objects.get(workspace=cast_a.workspace, name="Water for Schools")
        record = OrganizationImport.objects.get(workspace=cast_a.workspace)
    assert water.mission == "Old mission"  # reported, not changed
    assert (record.created_count, record.unchanged_count) == (1, 2)
    assert "New Org" in _names(cast_a)


def test_importing_the_same_file_twice_creates_nothing_new(cast_a):
    client = cast_a.client("coordinator")
    for _ in range(2):
        location = upload(client, cast_a, csv_file(GOOD))["Location"]
        pk = int(location.rstrip("/").split("/")[-1])
        client.post(url("organization_import_apply", cast_a, pk=pk))
    assert len(_names(cast_a)) == 5
    with workspace_context(cast_a.workspace):
        second = OrganizationImport.objects.for_workspace(cast_a.workspace).order_by("-id")[0]
    assert (second.created_count, second.unchanged_count) == (0, 3)


def test_an_export_imports_as_unchanged(cast_a):
    make_org(
        cast_a.workspace, "=SUM(A1)", mission="-minus", sdgs=[4], tags=["@home"], offers=["data"],
        website="https://x.example.org", country="KE", size="small", iati_identifier="XM-1",
    )  # fmt: skip
    client = cast_a.client("coordinator")
    exported = b"".join(client.get(url("organization_export", cast_a)).streaming_content)
    response = upload(client, cast_a, SimpleUploadedFile("export.csv", exported))
    analysis = client.get(response["Location"]).context["analysis"]
    assert [row.status for row in analysis.rows] == ["unchanged"] * 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not a CSV file"),
        ("name,sector\nCaf\xe9 Solidaire,nonprofit\n".encode("latin-1"), "not UTF-8"),
        (b"name,sector\n", "no rows"),
        (b"organisation,type\nA,B\n", "missing name, sector"),
        (b"name,sector,colour\nA,nonprofit,red\n", "unknown “colour”"),
        (b"name,name,sector\nA,A,nonprofit\n", "repeated name"),
        (b'name,sector\n"unterminated,nonprofit\n', "not a valid CSV"),
    ],
)
def test_files_that_are_not_usable_get_a_form_error(cast_a, content, message):
    response = upload(cast_a.client("coordinator"), cast_a, SimpleUploadedFile("f.csv", content))
    assert response.status_code == 400
    html = response.content.decode()
    expected = message if isinstance(message, str) else message.decode()
    assert expected in html, html[html.find("errorlist") - 200 :][:800]
    assert _records(cast_a) == 0


def test_a_missing_file_is_a_form_error(cast_a):
    response = cast_a.client("coordinator").post(url("organization_import", cast_a), {})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_size_limit(cast_a, settings):
    settings.ORGANIZATION_IMPORT_MAX_BYTES = 100
    response = upload(cast_a.client("coordinator"), cast_a, csv_file(GOOD + "\n" + "x," * 100))
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_an_import_is_applied_once(cast_a):
    client = cast_a.client("coordinator")
    location = upload(client, cast_a, csv_file(GOOD))["Location"]
    pk = int(location.rstrip("/").split("/")[-1])
    client.post(url("organization_import_apply", cast_a, pk=pk))
    again = client.post(url("organization_import_apply", cast_a, pk=pk), follow=True)
    assert "already been started" in again.content.decode()
    assert len(_names(cast_a)) == 5


def test_workspace_b_gets_404_on_a_import(cast_a, cast_b):
    location = upload(cast_a.client("coordinator"), cast_a, csv_file(GOOD))["Location"]
    pk = int(location.rstrip("/").split("/")[-1])
    client = cast_b.client("admin")
    for slug_cast in (cast_a, cast_b):
        assert client.get(url("organization_import_detail", slug_cast, pk=pk)).status_code == 404
        assert client.post(url("organization_import_apply", slug_cast, pk=pk)).status_code == 404
    with workspace_context(cast_a.workspace):
        assert OrganizationImport.objects.get(pk=pk).status == ImportStatus.PREVIEW


@pytest.mark.parametrize("role", ("partner", "viewer"))
def test_partners_and_viewers_cannot_import(cast_a, role):
    location = upload(cast_a.client("coordinator"), cast_a, csv_file(GOOD))["Location"]
    pk = int(location.rstrip("/").split("/")[-1])
    client = cast_a.client(role)
    assert upload(client, cast_a, csv_file(GOOD)).status_code == 403
    assert client.get(url("organization_import_detail", cast_a, pk=pk)).status_code == 403
    assert client.post(url("organization_import_apply", cast_a, pk=pk)).status_code == 403
    assert len(_names(cast_a)) == 2


# --- Large files: a Celery task with progress ------------------------------------------


@pytest.fixture
def eager_celery(settings):  # type: ignore[no-untyped-def]
    from partnerhub.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def big_csv(rows: int) -> bytes:
    sectors = ["nonprofit", "business", "government", "academic", "philanthropy"]
    out = io.StringIO()
    out.write(HEADER + "\n")
    for i in range(rows):
        out.write(
            f"Organization {i:06d},{sectors[i % 5]},Mission of organization {i},"
            f"https://org{i}.example.org,KE,Nairobi,small,XM-TEST-{i},{i % 17 + 1};4,"
            f"youth;tag{i % 50},funding;data,volunteers\n"
        )
    return out.getvalue().encode()


def test_a_large_file_is_imported_by_a_task_with_progress(
    cast_a, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.ORGANIZATION_IMPORT_ASYNC_ROWS = 10
    client = cast_a.client("coordinator")
    location = upload(client, cast_a, SimpleUploadedFile("big.csv", big_csv(25)))["Location"]
    pk = int(location.rstrip("/").split("/")[-1])
    assert "in the background" in client.get(location).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url("organization_import_apply", cast_a, pk=pk))
    # Queued, not yet run: the page refreshes itself and shows the progress so far.
    cache.set(progress_key(pk), 7)
    waiting = client.get(location).content.decode()
    assert '<meta http-equiv="refresh"' in waiting
    assert "7 of 25 rows handled" in waiting
    assert len(_names(cast_a)) == 2
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (eagerly)
    done = client.get(location).content.decode()
    assert "Done: 25 of 25 rows handled." in done
    assert '<meta http-equiv="refresh"' not in done
    assert len(_names(cast_a)) == 27


def test_a_failing_task_marks_the_import_failed(
    cast_a, settings, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    settings.ORGANIZATION_IMPORT_ASYNC_ROWS = 1

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("partners.services.organization_import._create_rows", broken)
    client = cast_a.client("coordinator")
    location = upload(client, cast_a, csv_file(GOOD))["Location"]
    pk = int(location.rstrip("/").split("/")[-1])
    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(url("organization_import_apply", cast_a, pk=pk))
    page = client.get(location).content.decode()
    assert "The import failed; nothing was imported." in page
    assert len(_names(cast_a)) == 2


def test_fifty_thousand_rows_through_the_task(
    cast_a, settings, eager_celery, django_capture_on_commit_callbacks, record_property
):
    """The whole path for a 50,000-row file: upload, preview, the Celery task (eager),
    the final progress. The time is recorded (run with -s to read it), not asserted."""
    data = big_csv(50_000)
    client = cast_a.client("coordinator")
    started = time.perf_counter()
    location = upload(client, cast_a, SimpleUploadedFile("big.csv", data))["Location"]
    uploaded = time.perf_counter()
    preview = client.get(location)
    assert "Import 50,000 valid rows" in preview.content.decode()
    previewed = time.perf_counter()
    pk = preview.context["record"].pk
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("organization_import_apply", cast_a, pk=pk))
    applied = time.perf_counter()
    page = client.get(location).content.decode()
    assert "Done: 50,000 of 50,000 rows handled." in page
    with workspace_context(cast_a.workspace):
        record = OrganizationImport.objects.get(pk=pk)
        assert Organization.objects.for_workspace(cast_a.workspace).count() == 50_002
        assert OrganizationTrait.objects.for_workspace(
            cast_a.workspace
        ).count() == 50_000 * 7 - sum(1 for i in range(50_000) if i % 17 + 1 == 4)
    assert (record.status, record.created_count, record.processed_rows) == ("done", 50_000, 50_000)
    timings = {
        "upload": round(uploaded - started, 1),
        "preview": round(previewed - uploaded, 1),
        "apply": round(applied - previewed, 1),
        "total": round(applied - started, 1),
    }
    record_property("timings", timings)
    print(f"50k-row import timings (s): {timings}")  # noqa: T201


def test_analysis_refuses_another_workspaces_import(cast_a, cast_b):
    with workspace_context(cast_a.workspace):
        record = organization_import_upload(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            uploaded=io.BytesIO(GOOD.encode()),
            name="a.csv",
        )
    from django.core.exceptions import ValidationError

    with workspace_context(cast_b.workspace), pytest.raises(ValidationError):
        organization_import_analyze(workspace=cast_b.workspace, record=record)


def test_a_name_added_while_the_import_runs_rolls_it_back_with_a_clear_message(cast_a, monkeypatch):
    """A concurrent change that adds one of the file's names between the analysis and
    the insert makes the import fail as a whole, with a message, never a 500; the
    import can be applied again afterwards."""
    from partners.services import organization_import as service

    client = cast_a.client("coordinator")
    upload(client, cast_a, csv_file(GOOD))
    with workspace_context(cast_a.workspace):
        record = OrganizationImport.objects.get(workspace=cast_a.workspace)
    original = service._create_rows

    def racing_create_rows(workspace, rows, report):  # type: ignore[no-untyped-def]
        make_org(workspace, "Green Bank")  # "another request" commits this name first
        return original(workspace, rows, report)

    monkeypatch.setattr(service, "_create_rows", racing_create_rows)
    response = client.post(url("organization_import_apply", cast_a, pk=record.pk), follow=True)
    assert response.status_code == 200
    assert "added by another change" in response.content.decode()
    assert _names(cast_a) == ["Org A1", "Org A2"]  # nothing of the file, nor the racer
    with workspace_context(cast_a.workspace):
        record.refresh_from_db()
    assert record.status == ImportStatus.PREVIEW  # the claim rolled back: it can re-apply

    monkeypatch.setattr(service, "_create_rows", original)
    client.post(url("organization_import_apply", cast_a, pk=record.pk))
    assert "Green Bank" in _names(cast_a)
