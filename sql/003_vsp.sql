-- sql/003_vsp.sql — vsp's own schema: run log, quarantine, results.

CREATE SCHEMA IF NOT EXISTS vsp;

CREATE TABLE vsp.runs (
    run_id          bigserial PRIMARY KEY,
    as_of           date NOT NULL,
    level           text NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    status          text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running','succeeded','failed','rejected-by-quality-gate')),
    vsp_version     text NOT NULL,
    config_sha256   text NOT NULL,
    counts          jsonb NOT NULL DEFAULT '{}',     -- per stage: read, used, quarantined by reason, areas, ...
    seconds         jsonb NOT NULL DEFAULT '{}',     -- per stage wall-clock seconds
    message         text                             -- failure reason, never personal data
);
CREATE INDEX ON vsp.runs (as_of, level, status);

CREATE TABLE vsp.quarantine (
    run_id      bigint NOT NULL REFERENCES vsp.runs ON DELETE CASCADE,
    signal_id   text,
    reason      text NOT NULL,                       -- reason code, e.g. postcode_malformed
    detail      text NOT NULL,                       -- human text naming the field
    raw         jsonb NOT NULL,                      -- the values as received
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON vsp.quarantine (run_id, reason);

CREATE TABLE vsp.area_scores (
    run_id      bigint NOT NULL REFERENCES vsp.runs ON DELETE CASCADE,
    as_of       date NOT NULL,
    level       text NOT NULL,
    area_code   text NOT NULL,
    parent_code text,
    households  integer,
    hh_signal   integer NOT NULL,
    hh_huur     integer NOT NULL DEFAULT 0,
    hh_energie  integer NOT NULL DEFAULT 0,
    hh_water    integer NOT NULL DEFAULT 0,
    hh_zorg     integer NOT NULL DEFAULT 0,
    hh_other    integer NOT NULL DEFAULT 0,
    hh_multi    integer NOT NULL DEFAULT 0,
    rate        double precision,
    eb_rate     double precision,
    seb_rate    double precision,
    gi_z        double precision,
    gi_p        double precision,
    gi_bin      integer,
    lisa_i      double precision,
    lisa_p      double precision,
    lisa_quad   text,
    d_rate      double precision,
    d_z         double precision,
    trend       text,
    expected    double precision,
    priority    double precision,
    rank        integer,
    reasons     text,
    PRIMARY KEY (run_id, level, area_code)
);
CREATE INDEX ON vsp.area_scores (as_of, level);

CREATE TABLE vsp.outreach (
    run_id        bigint NOT NULL REFERENCES vsp.runs ON DELETE CASCADE,
    team          text NOT NULL,
    rank          integer NOT NULL,
    household_key text NOT NULL,                     -- pseudonymous (keyed hash), never the address
    area_code     text NOT NULL,
    risk_score    double precision NOT NULL,
    PRIMARY KEY (run_id, team, rank)
);
