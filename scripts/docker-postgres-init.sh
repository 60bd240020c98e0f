#!/usr/bin/env bash
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d):
# creates PartnerHub's owner and application roles and its database with the same
# script the README's manual steps and CI use.
set -euo pipefail

: "${PARTNERHUB_OWNER_PASSWORD:?set OWNER_DB_PASSWORD in .env}"
: "${PARTNERHUB_APP_PASSWORD:?set APP_DB_PASSWORD in .env}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_role="${PARTNERHUB_OWNER_ROLE:-partnerhub_owner}" \
    -v owner_password="$PARTNERHUB_OWNER_PASSWORD" \
    -v app_role="${PARTNERHUB_APP_ROLE:-partnerhub_app}" \
    -v app_password="$PARTNERHUB_APP_PASSWORD" \
    -v dbname="${PARTNERHUB_DB:-partnerhub}" \
    -f /partnerhub/pg_roles.sql
