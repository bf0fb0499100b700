-- sql/005_reference_import.sql — CBS reference data as `vsp import` loads it.
--
-- ref.pc6 (002) stays the join key of every run: it holds the current reference, one row
-- per PC6, with the CBS statistics of one year (column year) and the PC6 → buurt mapping of
-- one year (column buurt_year).  The other tables keep several years side by side, keyed by
-- year; an import replaces one year's rows for the area it covers (the whole file, or one
-- gemeente with --gemeente).  Figures CBS suppresses (sentinels such as -99995, -99997) are
-- NULL, never numbers; an area whose households are suppressed is kept with suppressed =
-- true and left out of rates.  Incomes are in thousands of euro per household per year, as
-- CBS publishes them.  docs/operations.md ("Reference data") says where the files come from.

ALTER TABLE ref.pc6
    ADD COLUMN inhabitants    integer CHECK (inhabitants IS NULL OR inhabitants >= 0),
    ADD COLUMN dwellings      integer CHECK (dwellings IS NULL OR dwellings >= 0),
    ADD COLUMN avg_income     numeric,          -- k€ per household (gemiddeld_inkomen_huishouden)
    ADD COLUMN pct_low_income numeric,          -- % households with a low income
    ADD COLUMN suppressed     boolean NOT NULL DEFAULT false,   -- households suppressed by CBS
    ADD COLUMN buurt_year     integer;          -- year of the PC6 → buurt table behind buurt_code
CREATE INDEX ON ref.pc6 (gemeente_code);

-- CBS Kerncijfers per postcode, PC4 level
CREATE TABLE ref.pc4 (
    year            integer NOT NULL,
    pc4             char(4) NOT NULL CHECK (pc4 ~ '^[1-9][0-9]{3}$'),
    gemeente_code   text,                       -- gemeente of most of its PC6s (ref.pc6), if known
    households      integer CHECK (households IS NULL OR households >= 0),
    inhabitants     integer CHECK (inhabitants IS NULL OR inhabitants >= 0),
    dwellings       integer CHECK (dwellings IS NULL OR dwellings >= 0),
    avg_income      numeric,
    pct_low_income  numeric,
    pct_high_income numeric,
    avg_woz         numeric,                    -- k€ (gemiddelde_woz_waarde_woning)
    suppressed      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (year, pc4)
);

-- CBS Wijk- en buurtkaart
CREATE TABLE ref.gemeente (
    year            integer NOT NULL,
    gemeente_code   text NOT NULL CHECK (gemeente_code ~ '^GM[0-9]{4}$'),
    name            text,
    households      integer CHECK (households IS NULL OR households >= 0),
    inhabitants     integer CHECK (inhabitants IS NULL OR inhabitants >= 0),
    suppressed      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (year, gemeente_code)
);

CREATE TABLE ref.wijk (
    year            integer NOT NULL,
    wijk_code       text NOT NULL CHECK (wijk_code ~ '^WK[0-9]{4}[0-9A-Z]{2}$'),
    name            text,
    gemeente_code   text NOT NULL,
    households      integer CHECK (households IS NULL OR households >= 0),
    inhabitants     integer CHECK (inhabitants IS NULL OR inhabitants >= 0),
    suppressed      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (year, wijk_code)
);
CREATE INDEX ON ref.wijk (gemeente_code);

CREATE TABLE ref.buurt (
    year            integer NOT NULL,
    buurt_code      text NOT NULL CHECK (buurt_code ~ '^BU[0-9]{4}[0-9A-Z]{4}$'),
    name            text,
    wijk_code       text NOT NULL,
    gemeente_code   text NOT NULL,
    households      integer CHECK (households IS NULL OR households >= 0),
    inhabitants     integer CHECK (inhabitants IS NULL OR inhabitants >= 0),
    suppressed      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (year, buurt_code)
);
CREATE INDEX ON ref.buurt (gemeente_code);

-- CBS "Buurt, wijk en gemeente per postcode en huisnummer", kept per address only for the
-- PC6s whose addresses lie in more than one buurt (ref.pc6 has the buurt of most addresses).
CREATE TABLE ref.address_buurt (
    year            integer NOT NULL,
    pc6             char(6) NOT NULL,
    huisnummer      integer NOT NULL CHECK (huisnummer BETWEEN 1 AND 99999),
    buurt_code      text NOT NULL,
    wijk_code       text NOT NULL,
    gemeente_code   text NOT NULL,
    PRIMARY KEY (year, pc6, huisnummer)
);
CREATE INDEX ON ref.address_buurt (gemeente_code);

-- one row per import, written in the import's own transaction
CREATE TABLE ref.import_log (
    import_id       bigserial PRIMARY KEY,
    command         text NOT NULL,              -- cbs-postcode, cbs-buurten, pc6-buurt
    level           text,
    year            integer NOT NULL,
    gemeente_code   text,                       -- NULL = the whole file
    input           text NOT NULL,
    input_sha256    text NOT NULL,
    counts          jsonb NOT NULL,             -- read, loaded, rejected by reason, changes per table
    imported_at     timestamptz NOT NULL DEFAULT now(),
    vsp_version     text NOT NULL
);
