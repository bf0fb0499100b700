/*
 * pipeline/outputs.h — everything a run hands to people and to the database.
 *
 * Files go to OUT/<as-of>.tmp-r<run id>/ and the folder is renamed to OUT/<as-of>/ only
 * when every file is written and the database results are committed; OUT/latest then points
 * at it.  A failed or killed run leaves the previous folder and `latest` untouched; the
 * folder of a run killed between its commit and the rename is published by the next run.
 *
 * Area outputs never show a count below the disclosure threshold k: such counts appear
 * as "<k" and the area's rates are left empty; its geometry and hotspot bin stay.
 * Household lists (the only output with addresses) are created with mode 0600.
 */
#ifndef VSP_OUTPUTS_H
#define VSP_OUTPUTS_H

#include <libpq-fe.h>
#include <stddef.h>
#include "../geo/areas.h"
#include "cases.h"
#include "config.h"
#include "ingest.h"
#include "prevent.h"
#include "score.h"

typedef struct outputs_run
{
	int64_t		run_id;
	const config *cfg;
	const ingest_ref *ref;
	const ingest_data *in;
	const cases_data *cases;
	const areas *areas;
	const weights *w;
	const score_result *score;
	const char *stage_seconds_json;	/* {"ingest": 0.12, ...} so far */
	const prevent_result *prevent;	/* the prevention view ([prevent]); NULL when off */
} outputs_run;

typedef struct outputs_state
{
	char	   *tmpdir;			/* OUT/<as-of>.tmp-r<run id> while writing */
	char	   *finaldir;		/* OUT/<as-of> */
	char	  **files;			/* written, relative to the folder, for the summary */
	size_t		nfiles;
} outputs_state;

/* Is area i below the disclosure threshold (its small counts hidden)? */
int			outputs_suppressed(const outputs_run *r, size_t i);
/* Write every file into a fresh temporary folder.  0 or -1 with err (the temporary folder
 * is removed on failure). */
int			outputs_write_files(const outputs_run *r, outputs_state *st, char *err, size_t errlen);
/* In the caller's open transaction: replace this as-of date's area_scores and outreach. */
int			outputs_write_db(PGconn *c, const outputs_run *r, char *err, size_t errlen);
/* Rename the temporary folder into place and repoint OUT/latest.  0 or -1 with err. */
int			outputs_publish(outputs_state *st, const config *cfg, char *err, size_t errlen);
/*
 * Publish the folders (OUT/<date>.tmp-r<run id>) of runs that committed their results but
 * were stopped before renaming the folder into place: those for which succeeded(run id, ctx)
 * returns 1 (0: not committed, left for removal; -1: cannot tell, an error).  Call with the
 * run lock held, before writing new outputs.  0, or -1 with err.
 */
int			outputs_recover(const char *outdir, int (*succeeded) (int64_t run_id, void *ctx),
							void *ctx, char *err, size_t errlen);
/* Remove the temporary folder (after a failure) and free the state.  NULL-safe. */
void		outputs_abort(outputs_state *st);
void		outputs_state_free(outputs_state *st);

/* Households for one team: indices into cases->hh in outreach order, capped at capacity,
 * follow-up excluded, matching rules applied.  Caller frees *idx. */
int			outputs_team_households(const outputs_run *r, const config_team *t, size_t **idx,
									size_t *n);

#endif
