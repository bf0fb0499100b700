/*
 * pipeline/purge.h — retention: vsp purge deletes what is older than the configured terms.
 *
 * vsp's own tables always: vsp.quarantine rows older than [retention] quarantine_months,
 * vsp.outreach rows of runs older than outreach_months, vsp.runs and vsp.area_scores of
 * runs older than results_months (a running run is never touched).  The platform's source
 * tables only with [retention] purge_source = true: cases (signals_table/cases_table,
 * default platform.signaal / platform.zaak) closed more than closed_months ago together
 * with their signals, and signals without a case whose signaaldatum (else the day they
 * were received) is more than unhandled_months ago.  docs/privacy.md has the defaults.
 */
#ifndef VSP_PURGE_H
#define VSP_PURGE_H

#include "config.h"

#include <stdio.h>

/*
 * Delete everything past its term in ONE transaction, holding the run lock, and print
 * one line per table and rule with the number of rows on out.  dry_run counts the same
 * rows and rolls back.  Returns an exit status from cli.h: EXIT_OK, EXIT_UNAVAILABLE
 * (cannot connect, server gone, or the role lacks a privilege), EXIT_LOCKED, EXIT_FAIL.
 */
int			purge_run(const config *cfg, int dry_run, FILE *out);

#endif
