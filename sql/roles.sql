-- sql/roles.sql — least privilege: a reading role for the sources, a writing role for results.
--
-- Not a numbered migration: a database administrator (a role with CREATEROLE that owns or
-- may grant on the schemas) applies it after the migrations, and again after a migration
-- that adds tables.  Idempotent: run it as often as you like.
--
--   vsp_reader  NOLOGIN  USAGE + SELECT on the views in vsp_source and the tables in ref;
--                        SELECT on public.vsp_schema_version (for `vsp check`); nothing else
--   vsp_writer  NOLOGIN  USAGE on schema vsp; SELECT, INSERT, UPDATE, DELETE on vsp's tables;
--                        USAGE on vsp's sequences; nothing else (no platform.*)
--
-- vsp itself logs in as a LOGIN role that is granted both, e.g.
--   CREATE ROLE vsp_batch LOGIN;  GRANT vsp_reader, vsp_writer TO vsp_batch;
-- and authenticates with .pgpass or a PGSERVICE entry (docs/operations.md).
--
-- The views read platform.* with the rights of their owner (a view is not
-- security_invoker unless created so), so vsp_reader needs no grant on platform.*; a
-- municipality that replaces the view bodies keeps them owned by a role that can read the
-- platform tables and must not set security_invoker = true.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vsp_reader') THEN
        CREATE ROLE vsp_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vsp_writer') THEN
        CREATE ROLE vsp_writer NOLOGIN;
    END IF;
END
$$;

-- reader: the two source views and the CBS reference
GRANT USAGE ON SCHEMA vsp_source, ref TO vsp_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA vsp_source TO vsp_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA ref TO vsp_reader;
DO $$
BEGIN
    IF to_regclass('public.vsp_schema_version') IS NOT NULL THEN
        GRANT SELECT ON public.vsp_schema_version TO vsp_reader;
    END IF;
END
$$;

-- writer: vsp's own schema only
GRANT USAGE ON SCHEMA vsp TO vsp_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA vsp TO vsp_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA vsp TO vsp_writer;

-- objects the migrating role creates later get the same grants
ALTER DEFAULT PRIVILEGES IN SCHEMA vsp_source GRANT SELECT ON TABLES TO vsp_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA ref GRANT SELECT ON TABLES TO vsp_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA vsp GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO vsp_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA vsp GRANT USAGE ON SEQUENCES TO vsp_writer;

-- and nothing more: no rights on the platform's tables, no objects of their own
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'platform') THEN
        REVOKE ALL ON SCHEMA platform FROM vsp_reader, vsp_writer;
        REVOKE ALL ON ALL TABLES IN SCHEMA platform FROM vsp_reader, vsp_writer;
    END IF;
END
$$;
REVOKE CREATE ON SCHEMA vsp, vsp_source, ref FROM vsp_reader, vsp_writer;
