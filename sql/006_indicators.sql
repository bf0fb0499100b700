-- sql/006_indicators.sql — the prevention view: CBS-like indicators per PC6 and the
-- expected-risk model per run (docs/methodology.md §5).
--
-- ref.pc6 already has avg_income and pct_low_income (005); these are the other indicators
-- the model can use ([prevent] covariates names any numeric column of ref.pc6).  NULL means
-- suppressed or unknown, never zero: an area whose indicator is missing is left out of the
-- fit and flagged.  Percentages are of households (0–100).

ALTER TABLE ref.pc6
    ADD COLUMN pct_rent_corporation numeric,    -- % dwellings rented from a housing corporation
    ADD COLUMN pct_single_parent    numeric,    -- % single-parent households
    ADD COLUMN pct_benefits         numeric;    -- % households living on benefits (uitkering)

-- per area: the model's expectation and how the signals compare with it
ALTER TABLE vsp.area_scores
    ADD COLUMN expected_model double precision,  -- E = exp(Xβ + log households)
    ADD COLUMN sir            double precision,  -- observed / expected
    ADD COLUMN sir_lo         double precision,  -- exact (Garwood) 95 % interval of the SIR
    ADD COLUMN sir_hi         double precision,
    ADD COLUMN sir_eb         double precision,  -- empirical-Bayes SIR (map)
    ADD COLUMN prevent_p      double precision,  -- two-sided exact Poisson p
    ADD COLUMN hidden_need    boolean,           -- significantly fewer signals than expected (BH)
    ADD COLUMN excess         boolean,           -- significantly more (BH)
    ADD COLUMN drivers        text,              -- e.g. 'laag inkomen +, huur corporatie +'
    ADD COLUMN prevent_note   text;              -- why an area is not in the model

-- per run: the fitted model
CREATE TABLE vsp.prevent_fit (
    run_id          bigint PRIMARY KEY REFERENCES vsp.runs ON DELETE CASCADE,
    level           text NOT NULL,
    covariates      text[] NOT NULL,
    n_areas         integer NOT NULL,
    n_fitted        integer NOT NULL,                -- areas with an expectation
    n_used          integer NOT NULL,                -- of those, used to estimate the model
    n_left_out      integer NOT NULL,                -- left out of the second fit: excess in the first
    n_no_households integer NOT NULL,
    n_no_indicators integer NOT NULL,
    df              integer NOT NULL,
    deviance        double precision,
    null_deviance   double precision,
    pearson_chi2    double precision,
    dispersion      double precision,                -- φ = Pearson χ² / df
    loglik          double precision,
    aic             double precision,
    iterations      integer NOT NULL,
    fdr_q           double precision NOT NULL,
    n_hidden_need   integer NOT NULL,
    n_excess        integer NOT NULL,
    eb_mean         double precision,                -- EB prior of the SIR: mean and variance
    eb_var          double precision
);

CREATE TABLE vsp.prevent_coef (
    run_id          bigint NOT NULL REFERENCES vsp.runs ON DELETE CASCADE,
    term            text NOT NULL,                   -- '(Intercept)' or the indicator
    position        integer NOT NULL,
    estimate        double precision,
    std_error       double precision,                -- Poisson
    z_value         double precision,
    p_value         double precision,
    quasi_std_error double precision,                -- × √dispersion (quasi-Poisson)
    quasi_p_value   double precision,                -- t with df
    PRIMARY KEY (run_id, term)
);
