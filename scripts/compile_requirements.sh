#!/usr/bin/env bash
# Regenerate requirements.txt (runtime) and requirements-dev.txt (runtime + dev tools)
# from the pins in pyproject.toml: exact versions with hashes, no index addresses.
# pip-tools runs in a throwaway virtual environment; only the registry's own files are
# hashed (local find-links and extra indexes of this machine's pip config are ignored).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
TOOLS="$(mktemp -d)"
trap 'rm -rf "$TOOLS"' EXIT

export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_CONSTRAINT || true

"$PYTHON" -m venv "$TOOLS/venv"
"$TOOLS/venv/bin/pip" install --quiet pip-tools

compile() {
    "$TOOLS/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
        --no-emit-index-url --no-emit-find-links "$@" pyproject.toml
}
compile --output-file=requirements.txt
compile --extra=dev --output-file=requirements-dev.txt

if grep -nE '://|^-(-index-url|-extra-index-url|-find-links|i |f )' \
    requirements.txt requirements-dev.txt; then
    echo "error: an address ended up in the requirements files" >&2
    exit 1
fi
echo "requirements.txt and requirements-dev.txt regenerated."
