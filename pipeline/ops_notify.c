/*
 * pipeline/ops_notify.c — run [notify] command at the end of every run.
 *
 * fork + execv with an argv (no shell, so no quoting or injection), stdin from /dev/null,
 * stdout onto stderr (the journal), in its own process group so a timeout kills the
 * command together with anything it started.  Whatever happens to the command is logged
 * as a warning and never changes the run's exit status.
 */
#include "ops.h"
#include "cli.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int	notified;

int
ops_notified(void)
{
	return notified;
}

/* The vsp.runs status of a finished run, or not-started when none was recorded. */
static const char *
status_name(int64_t run_id, int exit_status)
{
	if (run_id <= 0)
		return "not-started";
	if (exit_status == EXIT_OK)
		return "succeeded";
	if (exit_status == EXIT_QUALITY)
		return "rejected-by-quality-gate";
	return "failed";
}

void
ops_notify_run(const config *cfg, int64_t run_id, int exit_status, const char *finaldir)
{
	char		id[32] = "", code[16], summary[PATH_MAX] = "";
	char	   *argv[6];
	const char *prev_stage = "run";
	double		deadline;
	pid_t		pid;
	int			st = 0;

	notified = 1;
	if (!cfg || !cfg->notify_command || !cfg->notify_command[0])
		return;
	log_set_stage("notify");
	if (run_id > 0)
		snprintf(id, sizeof(id), "%lld", (long long) run_id);
	snprintf(code, sizeof(code), "%d", exit_status);
	if (finaldir && exit_status == EXIT_OK &&
		snprintf(summary, sizeof(summary), "%s/summary.md", finaldir) >= (int) sizeof(summary))
		summary[0] = '\0';
	argv[0] = cfg->notify_command;
	argv[1] = id;
	argv[2] = (char *) status_name(run_id, exit_status);
	argv[3] = summary;
	argv[4] = code;
	argv[5] = NULL;
	if (access(cfg->notify_command, X_OK) != 0)
	{
		log_warn("cannot execute %s: %s", cfg->notify_command, strerror(errno));
		log_set_stage(prev_stage);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
	{
		log_warn("cannot start %s: %s", cfg->notify_command, strerror(errno));
		log_set_stage(prev_stage);
		return;
	}
	if (pid == 0)
	{
		int			fd = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (fd >= 0)
		{
			dup2(fd, STDIN_FILENO);
			if (fd != STDIN_FILENO)
				close(fd);
		}
		dup2(STDERR_FILENO, STDOUT_FILENO);
		signal(SIGPIPE, SIG_DFL);	/* ignored dispositions survive execv */
		signal(SIGXFSZ, SIG_DFL);
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);			/* also here: no race with the child's own call */
	log_debug("started %s (pid %d, timeout %d s)", cfg->notify_command, (int) pid, cfg->notify_timeout);
	deadline = util_now() + cfg->notify_timeout;
	for (;;)
	{
		pid_t		w = waitpid(pid, &st, WNOHANG);
		struct timespec ts = {0, 20 * 1000 * 1000};

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
		{
			log_warn("waiting for %s: %s", cfg->notify_command, strerror(errno));
			log_set_stage(prev_stage);
			return;
		}
		if (util_now() >= deadline)
		{
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			log_warn("%s did not finish within %d s: killed", cfg->notify_command, cfg->notify_timeout);
			log_set_stage(prev_stage);
			return;
		}
		nanosleep(&ts, NULL);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		log_info("%s: done (run %s, %s)", cfg->notify_command, id[0] ? id : "-", argv[2]);
	else if (WIFEXITED(st))
		log_warn("%s exited with status %d%s", cfg->notify_command, WEXITSTATUS(st),
				 WEXITSTATUS(st) == 127 ? " (could not be executed)" : "");
	else if (WIFSIGNALED(st))
		log_warn("%s was killed by signal %d", cfg->notify_command, WTERMSIG(st));
	log_set_stage(prev_stage);
}
