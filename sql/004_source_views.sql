-- sql/004_source_views.sql — the contract vsp reads.
--
-- vsp reads signals and follow-up only through these two views.  A municipality whose
-- platform export looks different replaces the view bodies (CREATE OR REPLACE VIEW) and
-- keeps the column names and types; everything else in vsp stays the same.
--   vsp_source.signals: one row per received signal (duplicates allowed; vsp quarantines them)
--   vsp_source.followup: one row per case opened on a signal

CREATE SCHEMA IF NOT EXISTS vsp_source;

CREATE VIEW vsp_source.signals AS
SELECT signaal_id::text      AS signal_id,
       partner_type::text    AS partner_type,
       bedrag::numeric       AS amount,
       ontstaansdatum::date  AS ontstaansdatum,
       signaaldatum::date    AS signaaldatum,
       crisissignaal::boolean AS crisis,
       status::text          AS status,
       bsn::text             AS bsn,
       postcode::text        AS postcode,
       huisnummer::text      AS huisnummer,
       toevoeging::text      AS toevoeging,
       ontvangen_op::timestamptz AS received_at,
       row_id::bigint        AS row_id
FROM platform.signaal;

CREATE VIEW vsp_source.followup AS
SELECT signaal_id::text       AS signal_id,
       datum_opgepakt::date   AS picked_up,
       contactpogingen::int   AS contact_attempts,
       bereikt::boolean       AS reached,
       resultaat::text        AS result,
       datum_afgesloten::date AS closed
FROM platform.zaak;
