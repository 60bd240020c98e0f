-- PartnerHub's two PostgreSQL roles and its database. Idempotent: run it again to
-- change a password. Run as a superuser with psql, giving the names and passwords:
--
--   psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 \
--     -v owner_role=partnerhub_owner -v owner_password='...' \
--     -v app_role=partnerhub_app -v app_password='...' \
--     -v dbname=partnerhub -f scripts/pg_roles.sql
--
-- The owner role owns the database and every table (MIGRATION_DATABASE_URL: `migrate`,
-- test database creation). The application role (DATABASE_URL) is neither superuser nor
-- BYPASSRLS, owns nothing, and gets table and sequence privileges from the grant that
-- runs after every `migrate`, so Row-Level Security binds it.

\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'owner_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_role') \gexec
SELECT format(
    'ALTER ROLE %I LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS NOCREATEROLE PASSWORD %L',
    :'owner_role', :'owner_password'
) \gexec

-- The owner may also force a checkpoint (PostgreSQL 15 and later): the benchmark's data
-- generation ends with one, so that writing its rows to disk does not overlap what the
-- benchmark measures next.
SELECT format('GRANT pg_checkpoint TO %I', :'owner_role')
WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = 'pg_checkpoint') \gexec

SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format(
    'ALTER ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD %L',
    :'app_role', :'app_password'
) \gexec

SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L', :'dbname', :'owner_role', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'dbname', :'owner_role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'dbname') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'dbname', :'app_role') \gexec

\connect :dbname
-- On PostgreSQL 15 the public schema belongs to the database owner and only it may
-- create objects there; the application role may only use what it is granted.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app_role') \gexec
