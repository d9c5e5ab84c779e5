/* SPDX-License-Identifier: MIT */
/*
 * provider.h - what the remote providers share: the command templates
 * (provider_command.c runs them; provider_ssh.c and provider_slurm.c
 * write them from their few keys).
 */
#ifndef OFFLOAD_PROVIDER_H
#define OFFLOAD_PROVIDER_H
#include "framework.h"
#include "sandbox.h"

struct provider_templates {
	char *prepare, *create, *exec, *download, *destroy;  /* owned, "" if unset */
	char *sandbox_dir;        /* owned; a value template, "" if unset */
	char *stop;               /* owned or NULL; after every destroy, once */
	int stop_destroys;        /* stop removes every sandbox: destroy only
				     runs for sandboxes retired mid-run */
	/* Sandboxes made by one create (slurm: tasks of one allocation):
	 * create runs once per group of at most `pack` sandboxes, with
	 * {tasks} = the group's size, and every member gets its ID (tell
	 * them apart by {index}).  0 or 1: one create per sandbox. */
	unsigned pack;
	char *release;            /* owned or NULL; after destroy of a group's
				     last member, unless stop follows */
	/* create without a step (ssh: it only looks at a local file): when
	 * `create` is empty and these are set, a sandbox is created when
	 * the file named by value template `create_hosts` lists its {host}
	 * on a line of its own, and its ID is value template `create_id` */
	char *create_hosts, *create_id;   /* owned or NULL */
	/* per host ({host}), for the whole run (ssh's master connections),
	 * started before prepare; canceled after stop */
	char *session;            /* owned or NULL */
	char *session_ready;      /* owned or NULL; exits 0 once it is up */
};

/* Fill `t` from the [provider] keys (type = command). */
int command_templates(const struct offload_config *cfg,
		      struct provider_templates *t, struct offload_error *err);
/* type = ssh: `hosts` as split by the caller. */
int ssh_templates(const struct offload_config *cfg, const struct strvec *hosts,
		  struct provider_templates *t, struct offload_error *err);
/* type = slurm. */
int slurm_templates(const struct offload_config *cfg,
		    struct provider_templates *t, struct offload_error *err);
void provider_templates_release(struct provider_templates *t);

/* " --exclude='P'..." for tar packing the working directory: .offload,
 * [provider] exclude, and output_dir when it is inside. */
int provider_tar_excludes(const struct offload_config *cfg, struct buf *out);

#endif
