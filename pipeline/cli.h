/*
 * pipeline/cli.h — the option tables behind --help and the man page, and the exit statuses.
 *
 * One table per command; main's getopt_long arrays, `vsp COMMAND --help` and
 * `vsp manpage` are all generated from these, so they cannot disagree.
 */
#ifndef VSP_CLI_H
#define VSP_CLI_H

#include <stdio.h>

/* Exit statuses (sysexits style; docs/operations.md says what to do about each) */
enum
{
	EXIT_OK = 0,
	EXIT_FAIL = 1,				/* internal error (a bug, out of memory) */
	EXIT_USAGE = 2,				/* bad command line, config, or missing input file */
	EXIT_QUALITY = 3,			/* rejected by the data-quality gate */
	EXIT_DATAERR = 65,			/* input data unusable (e.g. no areas, no reference) */
	EXIT_UNAVAILABLE = 69,		/* database unreachable or went away */
	EXIT_CANTCREAT = 73,		/* outputs cannot be written */
	EXIT_LOCKED = 75			/* another run holds the lock: try again later */
};

typedef struct cli_option
{
	const char *name;			/* long name without dashes */
	char		short_name;		/* 0 = none */
	const char *arg;			/* NULL = flag; else the argument's name */
	const char *help;
} cli_option;

typedef struct cli_command
{
	const char *name;
	const char *synopsis;		/* one line */
	const char *description;
	const cli_option *opts;		/* terminated by {NULL} */
} cli_command;

extern const cli_command cli_commands[];

const cli_command *cli_find(const char *name);
void		cli_print_help(FILE *f, const cli_command *c);
void		cli_print_usage(FILE *f);
void		cli_print_manpage(FILE *f);

#endif
