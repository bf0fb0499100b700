/*
 * geo/synth_int.h — internals shared by the synth_*.c files; not for other modules.
 *
 * The world is built in stages, each a function that fills part of synth_world:
 *   synth_layout()     grid cells (PC6 areas) and towns (gemeenten)   synth_layout.c
 *   synth_areas()      PC4 regions, then codes and buurten/wijken     synth_areas.c,
 *                                                                     synth_codes.c
 *   synth_population() households, low-income field, hotspots         synth_pop.c
 *   synth_thin()       deliberately thinned areas; CBS-like indicators synth_cbs.c
 *   synth_signals()    signals and follow-up cases                    synth_people.c
 *   synth_finish_rows() bad rows, row order, signal ids               synth_rows.c
 *   synth_write_*()    CSV files, GeoPackage (PC4 unions)             synth_csv.c, synth_gpkg.c,
 *                                                                     synth_union.c
 *   synth_load_pg()    PostgreSQL                                     synth_load.c
 *
 * Randomness: xoshiro256** streams seeded through splitmix64 from (seed, stream id),
 * and a counter-based hash (synth_hash) for per-item values that must not depend on
 * generation order (vertex jitter, household names).  No global state.
 *
 * Coordinates are kept in integer centimetres so that shared vertices are equal
 * bit for bit and every output is reproducible.
 */
#ifndef VSP_GEO_SYNTH_INT_H
#define VSP_GEO_SYNTH_INT_H

#include <stddef.h>
#include <stdint.h>
#include "synth.h"

/* ---- random numbers -------------------------------------------------------- */

typedef struct synth_rng
{
	uint64_t	s[4];
} synth_rng;

/* splitmix64 output function applied to z (Steele, Lea & Flood 2014). */
static inline uint64_t
synth_mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Counter-based hash of (seed, a, b): the same inputs always give the same value. */
static inline uint64_t
synth_hash(uint64_t seed, uint64_t a, uint64_t b)
{
	return synth_mix64(synth_mix64(seed ^ synth_mix64(a)) + b);
}

/* Seed a xoshiro256** generator for stream `stream` of `seed`. */
static inline void
synth_rng_seed(synth_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t	x = seed ^ synth_mix64(stream + UINT64_C(0x5851f42d4c957f2d));

	for (int i = 0; i < 4; i++)
	{
		x += UINT64_C(0x9e3779b97f4a7c15);
		r->s[i] = synth_mix64(x);
	}
}

static inline uint64_t
synth_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman & Vigna 2018): next 64 random bits. */
static inline uint64_t
synth_next(synth_rng *r)
{
	uint64_t	out = synth_rotl(r->s[1] * 5, 7) * 9;
	uint64_t	t = r->s[1] << 17;

	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = synth_rotl(r->s[3], 45);
	return out;
}

/* Uniform double in [0, 1). */
static inline double
synth_unif(synth_rng *r)
{
	return (double) (synth_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform double in [lo, hi). */
static inline double
synth_uab(synth_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * synth_unif(r);
}

/* Uniform integer in [lo, hi] (hi >= lo, range < 2^63). */
static inline int64_t
synth_irange(synth_rng *r, int64_t lo, int64_t hi)
{
	uint64_t	n = (uint64_t) (hi - lo) + 1;

	return lo + (int64_t) (((unsigned __int128) synth_next(r) * n) >> 64);
}

/* Map a hash value to a uniform integer in [lo, hi]. */
static inline int64_t
synth_hrange(uint64_t h, int64_t lo, int64_t hi)
{
	uint64_t	n = (uint64_t) (hi - lo) + 1;

	return lo + (int64_t) (((unsigned __int128) h * n) >> 64);
}

double		synth_normal(synth_rng *r);
double		synth_gamma(synth_rng *r, double shape);
int			synth_poisson(synth_rng *r, double lambda);

/* ---- the world ------------------------------------------------------------- */

#define SYNTH_NPAIRS		676		/* AA..ZZ */
#define SYNTH_MAX_PC6_PC4	673		/* 676 minus SA, SD, SS */
#define SYNTH_MAX_BUMPS		8
#define SYNTH_NPARTNER		8
#define SYNTH_NREASON		10

enum synth_partner
{
	SP_HUUR, SP_ENERGIE, SP_WATER, SP_ZORG, SP_HYPOTHEEK, SP_DUO, SP_TOESLAGEN, SP_CAK
};

enum synth_status
{
	SS_NIEUW, SS_OPGEPAKT, SS_BEKEND, SS_HERHAALD
};

/* bad-row reasons; 0 = good row; names in synth_reason_name[] */
enum synth_reason
{
	SR_NONE, SR_PC_MALFORMED, SR_PC_UNKNOWN, SR_HNR_MISSING, SR_HNR_MALFORMED,
	SR_PARTNER_UNKNOWN, SR_AMOUNT_NEGATIVE, SR_AMOUNT_ABSURD, SR_DATE_FUTURE,
	SR_ONTSTAAN_AFTER, SR_DUPLICATE_ID
};

extern const char *const synth_reason_name[SYNTH_NREASON + 1];

typedef struct synth_bump
{
	double		cx, cy, sigma, amp;		/* metres */
} synth_bump;

typedef struct synth_town
{
	int			gm;				/* gemeente number: GM%04d */
	double		cx, cy, r;		/* centre and nominal radius, metres */
	double		amp[3], ph[3];	/* outline wobble */
	size_t		first_cell, ncell;
	size_t		first_pc4;		/* its PC4 areas before renumbering by code */
	int			npc4;
	int			wijk_block;		/* wijk block side in cells */
	int			nbump;
	synth_bump	bump[SYNTH_MAX_BUMPS];
	double		lowinc_max;
} synth_town;

typedef struct synth_cell
{
	int32_t		gi, gj;			/* grid index of the lower-left vertex */
	int32_t		town;
	int32_t		pc4;
	int32_t		buurt;
	int32_t		hot;			/* planted cluster, -1 if none */
	int32_t		households;
	int32_t		comp;			/* connected component (scratch) */
	uint16_t	pair;			/* letter pair 0..675 (first*26+second) */
	uint8_t		thin;			/* signals deliberately thinned (synth_cbs.c) */
	float		lowinc;			/* low-income share */
	int64_t		hh_first;		/* global index of the first household */
} synth_cell;

typedef struct synth_pc4
{
	int			code;
	int32_t		town;
	int32_t		seed;			/* seed cell */
	int32_t		ncell;
	int64_t		households;
	int64_t		hh_hot;			/* households in planted cells */
} synth_pc4;

typedef struct synth_buurt
{
	int			gm, wijk, buurt;	/* BU%04d%02d%02d */
} synth_buurt;

typedef struct synth_hot
{
	double		cx, cy, r, mult;
} synth_hot;

typedef struct synth_sig
{
	int64_t		hh;				/* global household index */
	int64_t		cents;			/* bedrag in cents */
	int32_t		cell;
	int32_t		signaal, ontstaan;	/* days since 1970-01-01 */
	int32_t		recv_day, recv_sec;
	int32_t		dup_of;			/* generation index of the copied row, or -1 */
	int32_t		id_num;			/* number in signaal_id, set after ordering */
	uint32_t	style;			/* random bits choosing the messy spelling */
	uint32_t	alt;			/* postcode_unknown: the unknown PC6 as pc4*676+pair */
	uint8_t		partner, crisis, status, bad;
} synth_sig;

typedef struct synth_zaak
{
	int32_t		sig;			/* generation index of the signal that opened it */
	int32_t		opgepakt, afgesloten;	/* days; afgesloten INT32_MIN = open */
	uint8_t		pogingen, bereikt, resultaat;
} synth_zaak;

typedef struct synth_world
{
	uint64_t	seed;
	int			national;
	double		fraction;
	int32_t		start, end;		/* signal window, days since epoch, inclusive */
	int64_t		cell_cm, x0_cm, y0_cm;	/* grid geometry in centimetres */
	size_t		ncell, capcell;
	synth_cell *cell;
	size_t	   *order;			/* cell indices sorted by PC6 code */
	size_t		ntown;
	synth_town *town;
	size_t		npc4;
	synth_pc4  *pc4;
	size_t		nbuurt;
	synth_buurt *buurt;
	size_t		nhot;
	synth_hot  *hot;
	int64_t		households;
	size_t		hcap;			/* open-addressing map (gi,gj) -> cell */
	uint64_t   *hkey;
	int32_t    *hval;
	size_t		nsig, capsig;
	synth_sig  *sig;
	size_t	   *rows;			/* output row order: rows[r] = signal index */
	size_t		nzaak, capzaak;
	synth_zaak *zaak;
	size_t		nbad;
	uint64_t	bsn_a, bsn_b;	/* affine permutation for unique BSNs */
	double		thin_keep;		/* share of a thinned cell's households that keep their signals */
} synth_world;

/* synth.c: dates and small helpers */
int32_t		synth_days(int y, int m, int d);
void		synth_civil(int32_t days, int *y, int *m, int *d);
void		synth_fmt_date(int32_t days, char out[11]);
int			synth_parse_date(const char *s, int32_t *days);
int			synth_grow(void **p, size_t *cap, size_t need, size_t elem);
void	   *synth_alloc(size_t n, size_t size);

/* synth_layout.c */
int			synth_layout(synth_world *w, char *err, size_t errlen);
int32_t		synth_cell_at(const synth_world *w, int32_t gi, int32_t gj);
void		synth_cell_centre(const synth_world *w, const synth_cell *c, double *x, double *y);
void		synth_cell_points(const synth_world *w, const synth_cell *c, int64_t p[9][2]);
void		synth_cell_ring(const synth_world *w, const synth_cell *c, double xy[18]);
uint64_t	synth_hilbert(uint32_t x, uint32_t y);

/* synth_areas.c, synth_codes.c */
#define SYNTH_ALMERE_PC4	41
int			synth_areas(synth_world *w, char *err, size_t errlen);
int			synth_codes(synth_world *w, char *err, size_t errlen);
void		synth_pc6_code(const synth_world *w, const synth_cell *c, char out[7]);

/* synth_pop.c */
int			synth_population(synth_world *w, char *err, size_t errlen);

/* synth_cbs.c: CBS-like indicators per PC6 and deliberately thinned areas */
#define SYNTH_NIND			5
extern const char *const synth_indicator_name[SYNTH_NIND];
/* the indicators of cell c; known[k] = 0 where CBS would suppress the figure */
void		synth_indicators(const synth_world *w, const synth_cell *c, double v[SYNTH_NIND],
							 int known[SYNTH_NIND]);
/* mark the cells named by spec ("SPEC[@KEEP]", see synth.h) thinned; 0 or -1 with err */
int			synth_thin(synth_world *w, const char *spec, char *err, size_t errlen);
/* does household hh of a thinned cell lose its signals? */
int			synth_thin_drops(const synth_world *w, int64_t hh);
int			synth_write_thinned(const synth_world *w, const char *path, char *err, size_t errlen);

/* synth_people.c */
int			synth_signals(synth_world *w, char *err, size_t errlen);
void		synth_hh_name(const synth_world *w, int64_t hh, char *out, size_t outlen);
int			synth_hh_bsn(const synth_world *w, int64_t hh, char out[10]);
const char *synth_hh_toev(const synth_world *w, int64_t hh);
int32_t		synth_hh_cell(const synth_world *w, int64_t hh);
int			synth_pick_partner(synth_rng *r);
double		synth_first_amount(synth_rng *r, int p, double *monthly);
void		synth_make_signal(const synth_world *w, synth_rng *r, int64_t hh, int32_t cell, int p,
							  int32_t day, double amount, synth_sig *s);

/* synth_rows.c */
int			synth_finish_rows(synth_world *w, char *err, size_t errlen);

/* synth_csv.c: each writes one file at path */
int			synth_write_pc6(const synth_world *w, const char *path, char *err, size_t errlen);
int			synth_write_signals(const synth_world *w, const char *path, char *err, size_t errlen);
int			synth_write_zaak(const synth_world *w, const char *path, char *err, size_t errlen);
int			synth_write_truth(const synth_world *w, const char *hot_path, const char *bad_path,
							  char *err, size_t errlen);
int			synth_write_names(const synth_world *w, const char *path, char *err, size_t errlen);

/* synth_union.c: union of the cells order[lo..hi) of one PC4 (an OGRGeometryH) */
void	   *synth_pc4_polygon(const synth_world *w, size_t lo, size_t hi);

/* synth_gpkg.c */
int			synth_write_gpkg(const synth_world *w, const char *path, const char *stamp,
							 char *err, size_t errlen);

/* synth_load.c: COPY the three CSV files into the database in one transaction */
int			synth_load_pg(const char *conninfo, const char *pc6_csv, const char *signals_csv,
						  const char *zaak_csv, char *err, size_t errlen);

#endif
