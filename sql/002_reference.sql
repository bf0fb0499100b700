-- sql/002_reference.sql — CBS reference tables: postcode areas and their households.
--
-- ref.pc6 is the join key of everything: a signal's postcode is a PC6; its PC4 is the
-- prefix; its buurt comes from the CBS table "buurt, wijk en gemeente per postcode en
-- huisnummer" (the buurt of most addresses); the wijk is the first 6 digits of the buurt
-- code (WK + 4 gemeente + 2).  households is CBS's private households; NULL means
-- suppressed (CBS hides figures below 5 dwellings), never zero.

CREATE SCHEMA IF NOT EXISTS ref;

CREATE TABLE ref.pc6 (
    pc6            char(6) PRIMARY KEY CHECK (pc6 ~ '^[1-9][0-9]{3}[A-Z]{2}$'),
    pc4            char(4) NOT NULL,
    buurt_code     text,                -- BU + 8 digits
    wijk_code      text,                -- WK + 6 digits
    gemeente_code  text,                -- GM + 4 digits
    households     integer CHECK (households IS NULL OR households >= 0),
    year           integer NOT NULL DEFAULT 2024
);
CREATE INDEX ON ref.pc6 (pc4);
CREATE INDEX ON ref.pc6 (buurt_code);
