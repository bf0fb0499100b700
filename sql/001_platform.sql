-- sql/001_platform.sql — the municipality's own data as a signals platform holds it.
--
-- vsp never reads these tables directly: it reads the views in vsp_source (003), which a
-- municipality points at its own platform export.  In the demo and the tests the
-- synthetic city fills these tables.  Field names follow the VNG ddas v1.2 model
-- (signaalpartner.type, bedrag, ontstaansdatum, signaaldatum, crisissignaal, status,
-- burgerservicenummer, postcode, huisnummer, huisnummertoevoeging).  Postcode and
-- house number are text: exports arrive as typed by people and must be validated, not
-- rejected by the loader.

CREATE SCHEMA IF NOT EXISTS platform;

CREATE TABLE platform.signaal (
    row_id          bigserial PRIMARY KEY,       -- load order; signal ids may repeat in exports
    signaal_id      text NOT NULL,               -- ddas ID
    partner_type    text,                        -- signaalpartner.type as sent
    bedrag          numeric(12,2),               -- arrears in euro
    ontstaansdatum  date,
    signaaldatum    date,
    crisissignaal   boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'Nog niet opgepakt',
    bsn             text,                        -- burgerservicenummer, optional
    naam            text,                        -- client name, optional; never leaves the database
    postcode        text,
    huisnummer      text,
    toevoeging      text,
    ontvangen_op    timestamptz NOT NULL DEFAULT now()   -- when the platform received it
);
CREATE INDEX ON platform.signaal (ontvangen_op);
CREATE INDEX ON platform.signaal (signaal_id);

-- Follow-up (ddas vroegsignaalzaak): one row per case, linked to the signal that opened it.
CREATE TABLE platform.zaak (
    zaak_id         bigserial PRIMARY KEY,
    signaal_id      text NOT NULL,
    datum_opgepakt  date,                        -- datumOpgepakt
    contactpogingen integer NOT NULL DEFAULT 0,  -- number of contact attempts
    bereikt         boolean NOT NULL DEFAULT false,
    resultaat       text,                        -- e.g. 'Hulpverlening gestart', 'Geen hulp nodig'
    datum_afgesloten date
);
CREATE INDEX ON platform.zaak (signaal_id);
