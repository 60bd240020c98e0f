"""The operational files agree with each other and with the code: pinned, hashed
requirements matching pyproject.toml; every setting documented; docker-compose.yml and
Procfile.dev describing the processes the settings expect."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pins(filename: str) -> dict[str, str]:
    """name -> version; asserts every requirement is pinned and carries a hash."""
    text = (ROOT / filename).read_text()
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        first = block.splitlines()[0]
        if not first.strip() or first.startswith("#"):
            continue
        match = PIN.match(first)
        assert match, f"{filename}: not an exact pin: {first!r}"
        assert "--hash=sha256:" in block, f"{filename}: {first!r} has no hash"
        pins[normalize(match.group(1))] = match.group(2)
    return pins


def pyproject_pins(extra: str | None = None) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["optional-dependencies"][extra] if extra else project["dependencies"]
    pins = {}
    for spec in specs:
        name, version = spec.split("==")
        pins[normalize(name.split("[")[0])] = version
    return pins


def test_requirements_pin_exactly_what_pyproject_asks_for_with_hashes():
    runtime = requirement_pins("requirements.txt")
    dev = requirement_pins("requirements-dev.txt")
    for name, version in pyproject_pins().items():
        assert runtime.get(name) == version, f"requirements.txt: {name} should be =={version}"
    for name, version in {**pyproject_pins(), **pyproject_pins("dev")}.items():
        assert dev.get(name) == version, f"requirements-dev.txt: {name} should be =={version}"
    # The runtime set is the same in both files (dev adds tools, changes nothing).
    assert {name: dev[name] for name in runtime} == runtime


def test_requirements_name_no_package_index_or_local_path():
    for filename in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / filename).read_text()
        assert "://" not in text, filename
        assert not re.search(r"^-(-index-url|-extra-index-url|-find-links|i |f )", text, re.M)
        assert "/opt/" not in text and "file:" not in text, filename


# --- Settings and their documentation ---------------------------------------------------


def settings_env_names() -> set[str]:
    source = (ROOT / "partnerhub" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def test_settings_read_the_documented_variables():
    names = settings_env_names()
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL", "TEST_DATABASE_NAME"} <= names


def test_env_example_documents_every_setting_without_secrets():
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.M))
    missing = settings_env_names() - documented
    assert not missing, f".env.example lacks {sorted(missing)}"
    for line in text.splitlines():
        if re.match(r"^(SECRET_KEY|\w*PASSWORD)=", line):
            assert line.endswith("="), f"no real secret in .env.example: {line}"


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = {name for name in settings_env_names() if f"`{name}`" not in readme}
    assert not missing, f"README.md lacks {sorted(missing)}"


# --- docker-compose.yml and Procfile.dev -----------------------------------------------


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_process_from_one_image_with_health_checks():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    app = ("migrate", "web", "worker", "beat")
    assert len({(services[s]["build"], services[s]["image"]) for s in app}) == 1
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "test" in services[name]["healthcheck"], name
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["postgres"] == {"condition": "service_healthy"}
        assert depends["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "gunicorn" in services["web"]["command"]
    assert "--workers=${WEB_CONCURRENCY:-3}" in services["web"]["command"]
    assert services["worker"]["command"][3] == "worker"
    assert services["beat"]["command"][3] == "beat"


def test_compose_gives_the_owner_role_to_migrate_only():
    services = compose()["services"]
    env = services["migrate"]["environment"]
    assert env["MIGRATION_DATABASE_URL"].startswith("postgres://partnerhub_owner:")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "MIGRATION_DATABASE_URL" not in env, name
        assert env["DATABASE_URL"].startswith("postgres://partnerhub_app:"), name
        assert env["DEBUG"] == "false"
        assert set(env) <= settings_env_names(), set(env) - settings_env_names()
    init = services["postgres"]["volumes"]
    assert "./scripts/pg_roles.sql:/partnerhub/pg_roles.sql:ro" in init
    assert any(
        v.startswith("./scripts/docker-postgres-init.sh:/docker-entrypoint-initdb.d/") for v in init
    )
    assert "/partnerhub/pg_roles.sql" in (ROOT / "scripts" / "docker-postgres-init.sh").read_text()


def test_dockerfile_installs_hashed_requirements_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "pip install --require-hashes -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert re.search(r"^USER partnerhub$", dockerfile, re.M)
    assert '"gunicorn", "partnerhub.wsgi:application"' in dockerfile


def test_procfile_runs_the_web_server_and_a_worker_with_beat():
    processes = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile.dev").read_text().splitlines() if line
    )
    assert processes["web"].startswith("python manage.py runserver 127.0.0.1:")
    assert "${PARTNERHUB_PORT:-8000}" in processes["web"]
    worker = processes["worker"].split()
    assert worker[:4] == ["celery", "-A", "partnerhub", "worker"]
    assert "-B" in worker and "--pool=solo" in worker
