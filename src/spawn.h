/* SPDX-License-Identifier: MIT */
/*
 * spawn.h - the only module that starts, waits for or kills processes.
 *
 * A child runs under a keeper process (a child subreaper: see spawn.c), in
 * its own process group, started with posix_spawn, with an empty signal
 * mask and default dispositions for INT/TERM/HUP/QUIT/PIPE, stdin from
 * /dev/null, stdout and stderr captured through O_CLOEXEC pipes into
 * capped buffers, and no other descriptor (even ones the caller left
 * without O_CLOEXEC, like GNU make's jobserver pipe).  Each calling thread
 * has its own keeper from its first spawn on (a fork of the caller: one
 * more child process and one more close-on-exec socket), SIGKILLed and
 * reaped when the thread exits, killed by the kernel when the process
 * ends.  Only the keeper's own pid is ever waited for (never
 * waitpid(-1): inside GNU make that steals make's children), and the
 * caller is never made a subreaper.
 */
#ifndef OFFLOAD_SPAWN_H
#define OFFLOAD_SPAWN_H
#include "offload.h"
#include "buf.h"

struct spawn_req {
	char *const *argv;        /* argv[0] without '/' is looked up in envp's PATH
				   (else the caller's); a relative name resolves in cwd */
	char *const *envp;        /* NULL: the caller's environ */
	const char *cwd;          /* NULL: unchanged */
	size_t cap;               /* bytes kept per stream (capbuf) */
	double timeout_secs;      /* <= 0: none */
	int cancel_fd;            /* -1, or an fd that becomes readable (or hangs up)
				   to cancel; if readable already, nothing starts
				   and the state is SPAWN_CANCELED */
	int grace_ms;             /* TERM -> KILL delay; 0 means 1000 */
	int stop_over_cap;        /* end the child (TERM, then KILL after the
				   grace) once its stdout has passed `cap`: the
				   caller treats more as an error (discovery) */
};

enum spawn_state {
	SPAWN_EXITED,             /* `status` is the exit code */
	SPAWN_SIGNALED,           /* `status` is the signal number */
	SPAWN_TIMEDOUT,           /* killed after timeout_secs */
	SPAWN_CANCELED,           /* killed because cancel_fd became readable */
};

struct spawn_res {
	enum spawn_state state;
	int status;               /* for TIMEDOUT/CANCELED: what ended it */
	double secs;              /* wall time */
	struct capbuf out, err;   /* owned; release with spawn_res_release */
};

/*
 * Run req->argv to completion (or timeout/cancel).  When the child exits,
 * every descendant it left is killed and reaped too, whatever process
 * group or session it moved to (setpgid, setsid, a double fork), so no
 * grandchild outlives the call; so does the child if the calling thread
 * dies.  Returns 0 with *res filled (release it even on
 * error), or OFFLOAD_ESPAWN / -errno with err naming argv[0] (e.g. exec
 * failure: "cannot run 'x': No such file or directory").
 * Thread-safe: many threads may spawn at once.
 */
int spawn_run(const struct spawn_req *req, struct spawn_res *res,
	      struct offload_error *err);

void spawn_res_release(struct spawn_res *res);

/*
 * Run `argv` and return its whole stdout in `out` (capped at `cap`), for
 * discovery.  A non-zero exit or a signal is an OFFLOAD_EDISCOVER error
 * whose message quotes the end of stderr.
 */
int spawn_capture(const struct spawn_req *req, struct buf *out,
		  struct offload_error *err);

#endif
