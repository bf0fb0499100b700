-- bench/alternative.sql — what a user would write instead of vsp: the same national PC6
-- analysis as one SQL script on PostgreSQL + PostGIS, timed by scripts/bench.sh.
--
-- It computes what vsp's stages ingest .. score compute for the area list: households with
-- a signal per PC6 in the window, the rate per 1,000 households, the global empirical-Bayes
-- rate (Marshall 1991, as vsp), queen-style neighbours from the polygons (ST_Touches on
-- bench.pc6, loaded with ogr2ogr), Getis-Ord Gi* with the self included and binary weights
-- (the formula in docs/methodology.md, by aggregates over the neighbour table), the
-- ArcGIS-style bins from z, and a priority rank.  It does less than vsp: validation is a
-- regular expression and a join (no quarantine with reasons), no Local Moran and no
-- permutations, no FDR, no files.  Every step is materialised so that psql's \timing shows
-- what each costs.
--
-- Variables (psql -v): lo, hi — the window as vsp reads it: received_at on or after lo and
-- before hi, both local (Europe/Amsterdam) timestamps.

\set ON_ERROR_STOP on
SET work_mem = '256MB';
DROP TABLE IF EXISTS bench.alt_hh, bench.alt_nb, bench.alt_scores;

\echo step households
-- signals of the window, valid postcode and house number, first row of a repeated id;
-- a household is its BSN, else postcode + huisnummer + toevoeging
CREATE TABLE bench.alt_hh AS
WITH s0 AS (
    SELECT signal_id, row_id, bsn,
           upper(regexp_replace(postcode, '[^0-9A-Za-z]', '', 'g')) AS pc6,
           substring(huisnummer FROM '^\s*([0-9]{1,5})') AS hn,
           upper(coalesce(nullif(trim(toevoeging), ''),
                          regexp_replace(huisnummer, '^\s*[0-9]{1,5}[\s-]*', ''))) AS toev
    FROM vsp_source.signals
    WHERE received_at >= (:'lo'::timestamp AT TIME ZONE 'Europe/Amsterdam')
      AND received_at < (:'hi'::timestamp AT TIME ZONE 'Europe/Amsterdam')
      AND amount >= 0
      AND signaaldatum < :'hi'::date
),
s AS (
    SELECT DISTINCT ON (signal_id) pc6,
           coalesce(nullif(bsn, ''), pc6 || '-' || hn || '-' || toev) AS household
    FROM s0
    WHERE pc6 ~ '^[1-9][0-9]{3}[A-Z]{2}$' AND hn IS NOT NULL
    ORDER BY signal_id, row_id
)
SELECT r.pc6, r.households, count(DISTINCT s.household) AS hh_signal
FROM ref.pc6 r
LEFT JOIN s ON s.pc6 = r.pc6
GROUP BY r.pc6, r.households;

\echo step neighbours
-- queen contiguity: polygons that share a boundary point (index-assisted)
CREATE TABLE bench.alt_nb AS
SELECT a.pc6 AS i, b.pc6 AS j
FROM bench.pc6 a
JOIN bench.pc6 b ON ST_Touches(a.geom, b.geom);

\echo step scores
CREATE TABLE bench.alt_scores AS
WITH x0 AS (
    SELECT pc6, households, hh_signal,
           1000.0 * hh_signal / households AS rate
    FROM bench.alt_hh
    WHERE households > 0
),
g AS (                              -- global EB: m, s2, a (per 1,000)
    SELECT sum(hh_signal) * 1000.0 / sum(households) AS m,
           avg(households) AS nbar,
           sum(households) AS ntot
    FROM x0
),
g2 AS (
    SELECT g.m, g.nbar,
           greatest(0, sum(x0.households * (x0.rate - g.m) ^ 2) / g.ntot - g.m / g.nbar) AS a
    FROM x0, g
    GROUP BY g.m, g.nbar, g.ntot
),
x AS (
    SELECT x0.*, g2.m + (x0.rate - g2.m) * g2.a / (g2.a + g2.m / x0.households) AS eb
    FROM x0, g2
),
st AS (                             -- mean and standard deviation (divisor n) of x
    SELECT count(*) AS n, avg(eb) AS xbar, stddev_pop(eb) AS s FROM x
),
lag AS (                            -- W_i and the sum over the neighbourhood, self included
    SELECT x.pc6, 1 + count(nx.eb) AS wi, x.eb + coalesce(sum(nx.eb), 0) AS lsum
    FROM x
    LEFT JOIN bench.alt_nb nb ON nb.i = x.pc6
    LEFT JOIN x nx ON nx.pc6 = nb.j
    GROUP BY x.pc6, x.eb
),
gi AS (
    SELECT x.pc6, x.households, x.hh_signal, x.rate, x.eb,
           CASE WHEN lag.wi > 1 THEN
               (lag.lsum - lag.wi * st.xbar) /
               (st.s * sqrt((st.n * lag.wi - lag.wi ^ 2) / (st.n - 1)))
           END AS gi_z
    FROM x JOIN lag USING (pc6), st
),
b AS (
    SELECT gi.*,
           CASE WHEN gi_z IS NULL THEN 0
                WHEN abs(gi_z) >= 2.5758 THEN 3 * sign(gi_z)::int
                WHEN abs(gi_z) >= 1.9600 THEN 2 * sign(gi_z)::int
                WHEN abs(gi_z) >= 1.6449 THEN 1 * sign(gi_z)::int
                ELSE 0 END AS gi_bin
    FROM gi
)
SELECT b.*,
       b.households * b.eb / 1000 * (1 + 0.5 * greatest(b.gi_bin, 0)) AS priority,
       row_number() OVER (ORDER BY b.households * b.eb / 1000 * (1 + 0.5 * greatest(b.gi_bin, 0)) DESC,
                          b.pc6) AS rank
FROM b;

\echo step done
SELECT (SELECT count(*) FROM bench.alt_scores) AS areas,
       (SELECT sum(hh_signal) FROM bench.alt_hh) AS households_with_signal,
       (SELECT count(*) FROM bench.alt_nb) AS links,
       (SELECT count(*) FROM bench.alt_scores WHERE gi_bin = 3) AS hot99;
