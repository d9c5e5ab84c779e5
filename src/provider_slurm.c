/* SPDX-License-Identifier: MIT */
/*
 * provider_slurm.c - [provider] type = slurm: the command templates for
 * a Slurm cluster.  A sandbox is one task of an allocation (`salloc
 * --no-shell -N1`, cpus_per_sandbox CPUs per task, named offload-RUN;
 * sandboxes_per_allocation sandboxes share one, on one node: fewer
 * salloc and scancel round trips) and a directory in the node's local
 * /var/tmp holding a copy of the working directory; batches are job
 * steps in it (`srun --jobid=ID --overlap -n1`).  The working
 * directory is packed once, here, and reaches each node through the
 * standard input of the sandbox's first batch step, so no shared
 * filesystem is assumed and no step is spent on it alone.  The run's end
 * removes the run's directories with one step per node (in one of the
 * allocations there) and cancels every allocation named after the run,
 * also one granted while its create step was being killed; destroy,
 * which removes one directory (and cancels the allocation once none of
 * its sandboxes is left), only runs for a sandbox retired mid-run.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "provider.h"
#include "quote.h"

static char *fmt_prepare(const char *excludes)
{
	struct buf b = BUF_INIT;

	if (buf_addf(&b, "tar=/tmp/.offload-slurm-{run_id}.tar && "
		     "tar%s -cf \"$tar\" . && echo \"$tar\"", excludes)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int slurm_templates(const struct offload_config *cfg,
		    struct provider_templates *t, struct offload_error *err)
{
	struct buf salloc = BUF_INIT, b = BUF_INIT;
	const char *srun = "srun --jobid={sandbox_id} --overlap -n1 -Q";

	memset(t, 0, sizeof(*t));
	if (buf_addf(&salloc, "salloc --no-shell -N1 -n {tasks} -c %u -J offload-{run_id}",
		     cfg->cpus_per_sandbox) ||
	    (cfg->partition && *cfg->partition &&
	     (buf_adds(&salloc, " -p ") || sq_quote_buf(&salloc, cfg->partition))) ||
	    (cfg->salloc_args && *cfg->salloc_args &&
	     (buf_addch(&salloc, ' ') || buf_adds(&salloc, cfg->salloc_args))))
		goto nomem;

	if (provider_tar_excludes(cfg, &b) || !(t->prepare = fmt_prepare(b.buf)))
		goto nomem;
	buf_reset(&b);
	/* the job ID from salloc's own "Granted job allocation N" line */
	if (buf_addf(&b,
		     "out=$(%s 2>&1) || { printf '%%s\\n' \"$out\" >&2; exit 1; }; "
		     "id=$(printf '%%s\\n' \"$out\" | sed -n "
		     "'s/.*Granted job allocation \\([0-9][0-9]*\\).*/\\1/p' | head -n 1); "
		     "[ -n \"$id\" ] || { printf '%%s\\n' \"$out\" >&2; exit 1; }; "
		     "echo \"$id\"", salloc.buf))
		goto nomem;
	t->create = buf_detach(&b);
	/* {index}: the sandboxes of one allocation share its ID */
	t->sandbox_dir = strdup("/var/tmp/offload-{run_id}-{index}-{sandbox_id}");
	t->pack = cfg->sandboxes_per_allocation;
	/* the first batch of a sandbox brings the workspace on its standard
	 * input and unpacks it (W.ok once complete), later ones read
	 * nothing: one step per batch; a marker file here says which.  The
	 * batch runs in the step's shell (eval), not in one more */
	if (buf_addf(&b, "run={run_id}; id={sandbox_id}; ix={index}; "
		     "m=/tmp/.offload-slurm-$run.$ix; "
		     "if [ -e \"$m\" ]; then i=/dev/null; else i={image_id}; : >\"$m\"; fi; "
		     "%s sh -c \"W=/var/tmp/offload-$run-$ix-$id; "
		     "if [ ! -e \\$W.ok ]; then { [ ! -e \\$W ] || rm -rf \\$W; } && "
		     "mkdir -p \\$W && tar -C \\$W -xf - && : >\\$W.ok || exit 125; fi; "
		     "eval \\\"\\$0\\\"\" {command} <\"$i\"", srun))
		goto nomem;
	t->exec = buf_detach(&b);
	if (buf_addf(&b, "%s sh -c {pack} >{dest}/.offload.tar && "
		     "tar -C {dest} -xf {dest}/.offload.tar && "
		     "rm -f {dest}/.offload.tar", srun))
		goto nomem;
	t->download = buf_detach(&b);
	/* only for a sandbox retired mid-run: the run's end (stop) removes
	 * the others' directories with one step per node, in one of the
	 * allocations still there, and then cancels them all; the
	 * allocation goes with its last sandbox (release) */
	if (buf_addf(&b, "run={run_id}; id={sandbox_id}; ix={index}; "
		     "%s rm -rf /var/tmp/offload-$run-$ix-$id "
		     "/var/tmp/offload-$run-$ix-$id.ok", srun))
		goto nomem;
	t->destroy = buf_detach(&b);
	t->release = strdup("scancel {sandbox_id}");
	t->stop_destroys = 1;
	/* per node, its allocations on one line: the first that takes the
	 * step removes the run's directories there */
	t->stop = strdup("run={run_id}; "
			 "squeue -h -t R -n offload-$run -o '%N %i' 2>/dev/null | sort | "
			 "awk '$1 != n { if (l) print l; l = \"\"; n = $1 } "
			 "{ l = l \" \" $2 } END { if (l) print l }' | "
			 "{ while read js; do for j in $js; do "
			 "srun --jobid=$j --overlap -n1 -Q sh -c "
			 "\"rm -rf /var/tmp/offload-$run-*\" </dev/null && break; "
			 "done & done; wait; }; "
			 "scancel -n offload-$run; "
			 "rm -f /tmp/.offload-slurm-$run.*");
	if (!t->prepare || !t->create || !t->sandbox_dir || !t->exec ||
	    !t->download || !t->destroy || !t->release || !t->stop)
		goto nomem;
	buf_release(&salloc);
	return 0;
nomem:
	buf_release(&salloc);
	buf_release(&b);
	provider_templates_release(t);
	return err_set(err, OFFLOAD_ENOMEM, "out of memory");
}
