/*
 * fuzz/fuzz_config.c — libFuzzer target for the configuration parser (pipeline/config.c).
 *
 * The input is the text of a config file.  config_load_buffer() parses it with inih,
 * applies every key and validates the result, exactly as `vsp run --config` does with a
 * file.  Besides memory errors (AddressSanitizer) and undefined behaviour (UBSan), the
 * target traps when a result breaks config.h's contract:
 *   - on failure: the message is one non-empty line, NUL-terminated inside err, and cfg
 *     is left freed (all pointers NULL);
 *   - on success: the values are in their documented ranges, config_validate() agrees,
 *     the hash is 64 hex digits, every team has areas, and loading the same bytes again
 *     gives the same hash and the same values.
 * See fuzz/README.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

static int
is_one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static void
check_valid(config *c)
{
	static const char *const levels[] = {"pc6", "pc4", "buurt", "wijk", NULL};
	static const char *const vars[] = {"eb", "spatial-eb", "rate", "count", NULL};
	char		err[1024];

	REQUIRE(c->path && c->conninfo && c->level && c->output_dir && c->area_source);
	REQUIRE(is_one_of(c->level, levels));
	REQUIRE(is_one_of(c->variable, vars));
	REQUIRE(strlen(c->sha256) == 64 && strspn(c->sha256, "0123456789abcdef") == 64);
	REQUIRE(strlen(c->as_of) == 10);
	REQUIRE(c->window_days >= 1 && c->window_days <= 3660);
	REQUIRE(c->permutations >= 0 && c->permutations <= 99999);
	REQUIRE(c->fdr_q >= 0 && c->fdr_q <= 0.5);
	REQUIRE(c->snap >= 0 && c->snap <= 1000);
	REQUIRE(c->max_quarantine_share >= 0 && c->max_quarantine_share <= 1);
	REQUIRE(isfinite(c->max_amount) && c->max_amount >= 1);
	REQUIRE(c->disclosure_k >= 0 && c->disclosure_k <= 1000);
	REQUIRE(c->include_names == 0 || c->include_names == 1);
	REQUIRE(c->area_source[0] && c->area_id_field[0] && c->output_dir[0]);
	REQUIRE(strstr(c->conninfo, "password") == NULL);
	for (size_t p = 0; p < sizeof(c->risk_partner) / sizeof(c->risk_partner[0]); p++)
		REQUIRE(c->risk_partner[p] >= 0 && c->risk_partner[p] <= 100);
	for (size_t t = 0; t < c->nteams; t++)
	{
		REQUIRE(c->teams[t].name && c->teams[t].name[0]);
		REQUIRE(c->teams[t].nareas > 0 && c->teams[t].areas);
		REQUIRE(c->teams[t].capacity >= 1);
		for (size_t a = 0; a < c->teams[t].nareas; a++)
			REQUIRE(c->teams[t].areas[a] && c->teams[t].areas[a][0]);
		for (size_t u = 0; u < t; u++)
			REQUIRE(strcmp(c->teams[u].name, c->teams[t].name) != 0);
	}
	REQUIRE(config_validate(c, err, sizeof(err)) == 0);
}

static void
check_error(const config *c, const char *err, size_t errlen)
{
	size_t		n = strnlen(err, errlen);

	REQUIRE(n > 0 && n < errlen);
	REQUIRE(memchr(err, '\n', n) == NULL);
	REQUIRE(strncmp(err, "fuzz.ini", 8) == 0);	/* names the file */
	REQUIRE(c->path == NULL && c->teams == NULL && c->nteams == 0 && c->level == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	config		c, again;
	char		err[1024];

	if (size > CONFIG_MAX_BYTES)
		return 0;
	memset(err, 'x', sizeof(err));
	if (config_load_buffer("fuzz.ini", (const char *) data, size, &c, err, sizeof(err)) != 0)
	{
		check_error(&c, err, sizeof(err));
		return 0;
	}
	check_valid(&c);

	/* same bytes, same result */
	REQUIRE(config_load_buffer("fuzz.ini", (const char *) data, size, &again, err, sizeof(err)) == 0);
	REQUIRE(strcmp(c.sha256, again.sha256) == 0);
	REQUIRE(strcmp(c.level, again.level) == 0 && c.nteams == again.nteams);
	REQUIRE(c.window_days == again.window_days && c.seed == again.seed);
	config_free(&again);

	/* the command-line overrides go through config_set and config_validate */
	REQUIRE(config_set(&c.level, "buurt") == 0);
	REQUIRE(config_validate(&c, err, sizeof(err)) == 0);
	config_free(&c);
	REQUIRE(c.path == NULL && c.teams == NULL);
	config_free(&c);			/* a freed config frees again as a no-op */
	return 0;
}
