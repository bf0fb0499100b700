/*
 * pipeline/run.h — the nightly job: one run from lock to published outputs.
 *
 * run_nightly() returns an exit status from cli.h.  It holds the PostgreSQL advisory lock
 * for the whole run, records the run in vsp.runs (running → succeeded / failed /
 * rejected-by-quality-gate) and leaves the previous outputs and results untouched unless
 * it succeeds.
 */
#ifndef VSP_RUN_H
#define VSP_RUN_H

#include "config.h"

int			run_nightly(const config *cfg);

#endif
