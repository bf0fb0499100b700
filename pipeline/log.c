/*
 * pipeline/log.c — stderr event log (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static log_level cur_level = LOG_INFO;
static int64_t cur_run;
static const char *cur_stage = "main";
static int	progress_shown;

void
log_set_level(log_level l)
{
	cur_level = l;
}

void
log_set_run(int64_t run_id)
{
	cur_run = run_id;
}

void
log_set_stage(const char *stage)
{
	cur_stage = stage ? stage : "main";
}

void
vsp_log(log_level l, const char *fmt,...)
{
	static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
	char		ts[32], msg[1024];
	struct tm	tm;
	time_t		now = time(NULL);
	va_list		ap;

	if (l > cur_level)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (progress_shown)
	{
		fputs("\r\033[K", stderr);
		progress_shown = 0;
	}
	if (cur_run > 0)
		fprintf(stderr, "%s vsp[%d] %s %s run=%lld: %s\n", ts, (int) getpid(), names[l], cur_stage,
				(long long) cur_run, msg);
	else
		fprintf(stderr, "%s vsp[%d] %s %s: %s\n", ts, (int) getpid(), names[l], cur_stage, msg);
}

void
log_progress(const char *what, uint64_t done, uint64_t total)
{
	if (cur_level < LOG_INFO || !isatty(STDERR_FILENO) || total == 0)
		return;
	fprintf(stderr, "\r\033[K%s: %llu/%llu (%.0f %%)", what, (unsigned long long) done,
			(unsigned long long) total, 100.0 * (double) done / (double) total);
	progress_shown = done < total;
	if (!progress_shown)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}
