/* SPDX-License-Identifier: MIT */
/*
 * provider_ssh.c - [provider] type = ssh: the command templates for a
 * list of hosts reached with ssh (and an optional ssh config file).
 *
 * One master connection per host for the whole run (ControlMaster), up
 * before anything else, so that every later step is a multiplexed
 * session (about 10 ms instead of 150-300 ms).  The working directory is
 * packed once and unpacked once per host into
 * REMOTE_DIR/offload-RUN/ws (REMOTE_DIR must exist there: it is never
 * made); the hosts it reached are listed in a local file, and those it
 * did not with their reason ("!HOST REASON").  Each sandbox is a copy
 * of the workspace made on the host (cp -a) by the sandbox's first
 * batch, REMOTE_DIR/offload-RUN/sbx-N, and the sandbox ID is that path
 * (create only checks, here and without a process, that the workspace
 * reached the host).  Sandbox N runs on host (N + k) mod the number of
 * hosts, k drawn per run.  The run's end kills whatever still runs
 * under REMOTE_DIR/offload-RUN on every host and removes it, sandboxes
 * included (stop_destroys), then this run's local files and control
 * sockets; destroy only removes a sandbox retired mid-run.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "provider.h"
#include "quote.h"

/* Characters allowed in remote_dir: it is spliced into remote command
 * lines inside double quotes. */
static int safe_path(const char *s)
{
	return *s == '/' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789/._-+") == strlen(s);
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int r;

	va_start(ap, f);
	r = buf_vaddf(&b, f, ap);
	va_end(ap);
	if (r) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int ssh_templates(const struct offload_config *cfg, const struct strvec *hosts,
		  struct provider_templates *t, struct offload_error *err)
{
	struct buf ssh = BUF_INIT, qhosts = BUF_INIT, excl = BUF_INIT;
	const char *rd = cfg->remote_dir;
	int r = 0;

	memset(t, 0, sizeof(*t));
	if (!safe_path(rd))
		return err_set(err, OFFLOAD_ECONFIG,
			       "config '%s': [provider] remote_dir '%s' must be an "
			       "absolute path of letters, digits and /._-+",
			       cfg->path, rd);
	if (!hosts->nr)
		return err_set(err, OFFLOAD_ECONFIG,
			       "config '%s': [provider] hosts lists no host",
			       cfg->path);
	/* {run_id} is hex: quoted, it stays one word after concatenation */
	if (buf_adds(&ssh, "ssh -o BatchMode=yes -o ServerAliveInterval=5 "
		     "-o ServerAliveCountMax=3 "
		     "-o ControlPath=/tmp/.offload-ssh-{run_id}-%C") ||
	    (cfg->ssh_config && *cfg->ssh_config &&
	     (buf_adds(&ssh, " -F ") || sq_quote_buf(&ssh, cfg->ssh_config))))
		goto nomem;
	for (size_t i = 0; i < hosts->nr; i++)
		if (buf_addch(&qhosts, ' ') || sq_quote_buf(&qhosts, hosts->v[i]))
			goto nomem;
	if (provider_tar_excludes(cfg, &excl))
		goto nomem;

	t->session = fmt("exec %s -o ControlMaster=yes -o ControlPersist=no -N {host}",
			 ssh.buf);
	t->session_ready = fmt("%s -O check {host} 2>/dev/null", ssh.buf);
	/* pack once, unpack once per host, all hosts at once */
	/* a host the workspace cannot reach is no failure here: its
	 * sandboxes fail to be created, and the other hosts run the tests */
	/* the hosts it reached are listed here, for create; those it did
	 * not, with what ssh or the host said, as "!HOST REASON" */
	t->prepare = fmt(
		"run={run_id}; tar=/tmp/.offload-ssh-$run.tar; "
		"ok=/tmp/.offload-ssh-$run.hosts; : >\"$ok\" || exit 1; "
		"trap 'rm -f \"$tar\"' EXIT; "
		"tar%s -cf \"$tar\" . || exit 1; pids=; "
		"for h in%s; do "
		"{ e=$(%s -o ControlMaster=no \"$h\" \"[ -d %s ] || "
		"{ echo 'remote_dir %s does not exist' >&2; exit 1; }; "
		"mkdir -p %s/offload-$run/ws && "
		"tar -C %s/offload-$run/ws -xf -\" <\"$tar\" 2>&1 >/dev/null) && "
		"printf '%%s\\n' \"$h\" >>\"$ok\" || "
		"printf '!%%s %%s\\n' \"$h\" \"$(printf %%s \"$e\" | tr '\\r\\n' '  ')\" "
		">>\"$ok\"; } & pids=\"$pids $!\"; "
		"done; for p in $pids; do wait $p; done; "
		"grep -qv '^!' \"$ok\" || { sed 's/^!\\([^ ]*\\) \\(.*[^ ]\\) *$/host \\1: \\2;/' \"$ok\" >&2; "
		"echo 'the workspace reached no host' >&2; exit 1; }; "
		"echo %s/offload-$run",
		excl.buf, qhosts.buf, ssh.buf, rd, rd, rd, rd, rd);
	/* a sandbox is a copy of the host's workspace, made by its first
	 * batch (exec below): creating one costs no round trip and no
	 * process, only a look at whether the workspace reached its host */
	t->create = strdup("");
	t->create_hosts = strdup("/tmp/.offload-ssh-{run_id}.hosts");
	t->create_id = fmt("%s/offload-{run_id}/sbx-{index}", rd);
	t->sandbox_dir = strdup("{sandbox_id}");
	t->exec = fmt("d={sandbox_id}; %s -o ControlMaster=no {host} "
		      "\"[ -d $d ] || cp -a ${d%%/*}/ws $d || exit 125;\" {command}",
		      ssh.buf);
	t->download = fmt(
		"%s -o ControlMaster=no {host} {pack} >{dest}/.offload.tar && "
		"tar -C {dest} -xf {dest}/.offload.tar && rm -f {dest}/.offload.tar",
		ssh.buf);
	/* destroy removes a sandbox retired mid-run; the run's end (stop,
	 * once per host, all hosts at once) kills whatever still runs in the
	 * run's directory (a batch offload gave up on) and removes it with
	 * every sandbox: a scan of /proc and one step per host, not per
	 * sandbox */
	t->destroy = fmt("d={sandbox_id}; %s -o ControlMaster=no {host} \"rm -rf $d\"",
			 ssh.buf);
	t->stop_destroys = 1;
	t->stop = fmt(
		"run={run_id}; for h in%s; do %s -o ControlMaster=no \"$h\" "
		"\"find /proc/[0-9]*/cwd -maxdepth 0 -lname '%s/offload-$run/*' "
		"2>/dev/null | while read p; do p=\\${p#/proc/}; "
		"kill -9 \\${p%%/cwd} 2>/dev/null; done; "
		"rm -rf %s/offload-$run\" & done; wait; "
		"rm -f /tmp/.offload-ssh-$run.hosts /tmp/.offload-ssh-$run-*",
		qhosts.buf, ssh.buf, rd, rd);
	if (!t->session || !t->session_ready || !t->prepare || !t->create ||
	    !t->create_hosts || !t->create_id ||
	    !t->sandbox_dir || !t->exec || !t->download || !t->destroy || !t->stop)
		goto nomem;
	buf_release(&ssh);
	buf_release(&qhosts);
	buf_release(&excl);
	return r;
nomem:
	buf_release(&ssh);
	buf_release(&qhosts);
	buf_release(&excl);
	provider_templates_release(t);
	return err_set(err, OFFLOAD_ENOMEM, "out of memory");
}
