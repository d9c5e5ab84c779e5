/* SPDX-License-Identifier: MIT */
/*
 * discover.c - the run's test list: every group's (or one group's)
 * discovered IDs, concatenated in group order.  A test ID is the identity
 * of a test for the whole run, so an ID claimed by two groups is an error
 * (the Rust version hung on it).  Finding no test at all is not an error
 * here; the caller decides what that means.
 */
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "framework.h"
#include "offload.h"

struct owner {
	const char *id;
	size_t pos;
};

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Drop IDs already listed under an earlier group, keeping the first;
 * sorting keeps this O(n log n) for large suites.  Returns 1 and names
 * the first clash in `err` when there was one.
 */
static int drop_clashes(const struct offload_config *cfg,
			struct offload_test_list *l, struct offload_error *err)
{
	struct owner *o;
	char *drop;
	size_t j = 0;
	int clash = 0;

	if (l->nr < 2)
		return 0;
	o = malloc(l->nr * sizeof(*o));
	drop = calloc(l->nr, 1);
	if (!o || !drop) {
		free(o);
		free(drop);
		return OFFLOAD_ENOMEM;
	}
	for (size_t i = 0; i < l->nr; i++) {
		o[i].id = l->ids[i];
		o[i].pos = i;
	}
	qsort(o, l->nr, sizeof(*o), owner_cmp);
	for (size_t i = 1; i < l->nr; i++) {
		size_t first = o[i - 1].pos, pos = o[i].pos;

		if (strcmp(o[i].id, o[i - 1].id))
			continue;
		/* o[i-1] is the first of a run of equal IDs (or dropped) */
		drop[pos] = 1;
		o[i].pos = first;
		if (!clash) {
			clash = 1;
			err_set(err, OFFLOAD_EDISCOVER,
				"test '%s' is in groups '%s' and '%s'", o[i].id,
				cfg->groups[l->group[first]].name,
				cfg->groups[l->group[pos]].name);
		}
	}
	for (size_t i = 0; i < l->nr; i++) {
		if (drop[i]) {
			free(l->ids[i]);
			continue;
		}
		l->ids[j] = l->ids[i];
		l->group[j++] = l->group[i];
	}
	l->nr = j;
	l->ids[j] = NULL;	/* strv_free needs the terminator */
	free(o);
	free(drop);
	return clash;
}

static int unknown_group(const struct offload_config *cfg, const char *name,
			 struct offload_error *err)
{
	char names[300] = "";
	size_t len = 0;

	for (size_t i = 0; i < cfg->groups_nr && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					i ? ", " : "", cfg->groups[i].name);
	return err_set(err, OFFLOAD_EUSAGE, "no group '%s' (groups: %s)", name,
		       names);
}

int offload_discover(const struct offload_config *cfg, const char *group_name,
		     struct offload_test_list *out, struct offload_error *err)
{
	return discover_tests(cfg, group_name, -1, out, err);
}

int discover_tests(const struct offload_config *cfg, const char *group_name,
		   int cancel_fd, struct offload_test_list *out,
		   struct offload_error *err)
{
	struct strvec ids = STRVEC_INIT;
	size_t *group = NULL, alloc = 0, found = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	err_clear(err);
	for (size_t gi = 0; gi < cfg->groups_nr; gi++) {
		const struct offload_group *g = &cfg->groups[gi];
		size_t from = ids.nr;

		if (group_name && strcmp(group_name, g->name))
			continue;
		found = 1;
		r = framework_discover(cfg, g, cancel_fd, &ids, err);
		if (r)
			goto fail;
		if (ids.nr > alloc) {
			size_t *p = realloc(group, ids.nr * sizeof(*group));

			if (!p) {
				r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
				goto fail;
			}
			group = p;
			alloc = ids.nr;
		}
		for (size_t i = from; i < ids.nr; i++)
			group[i] = gi;
	}
	if (group_name && !found) {
		r = unknown_group(cfg, group_name, err);
		goto fail;
	}
	out->nr = ids.nr;
	out->ids = strvec_detach(&ids);
	out->group = group;
	if (!out->ids) {
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto fail;
	}
	r = drop_clashes(cfg, out, err);
	if (r == OFFLOAD_ENOMEM)
		err_set(err, r, "out of memory");
	else if (r)
		r = OFFLOAD_EDISCOVER;	/* `out` stays usable, clash removed */
	return r;
fail:
	strvec_clear(&ids);
	free(group);
	if (out->ids)
		offload_test_list_release(out);
	memset(out, 0, sizeof(*out));
	return r;
}

void offload_test_list_release(struct offload_test_list *list)
{
	if (!list)
		return;
	strv_free(list->ids);
	free(list->group);
	memset(list, 0, sizeof(*list));
}
