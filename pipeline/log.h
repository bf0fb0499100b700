/*
 * pipeline/log.h — one line per event on stderr: timestamp, level, stage, run id, message.
 *
 *   2026-11-23T02:00:01Z vsp[1234] INFO ingest run=17: read 2790 signals
 *
 * journald keeps the lines as they are; messages must never contain personal data
 * (refer to signals by id and households by pseudonymous key).  Progress (\r updates)
 * is drawn only when stderr is a terminal.
 */
#ifndef VSP_LOG_H
#define VSP_LOG_H

#include <stdint.h>

typedef enum log_level
{
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG
} log_level;

void		log_set_level(log_level l);	/* --quiet = LOG_WARN, --verbose = LOG_DEBUG */
void		log_set_run(int64_t run_id);	/* 0 = none yet */
void		log_set_stage(const char *stage);	/* static string, e.g. "ingest" */
void		vsp_log(log_level l, const char *fmt,...) __attribute__((format(printf, 2, 3)));
/* progress of a long stage: done of total; no-op unless stderr is a terminal */
void		log_progress(const char *what, uint64_t done, uint64_t total);

#define log_error(...) vsp_log(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) vsp_log(LOG_WARN, __VA_ARGS__)
#define log_info(...) vsp_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) vsp_log(LOG_DEBUG, __VA_ARGS__)

#endif
