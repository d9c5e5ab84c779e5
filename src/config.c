/* SPDX-License-Identifier: MIT */
/*
 * config.c - reading offload.ini into struct offload_config, writing the
 * effective settings back out, and writing starter files.  The only file
 * that includes <ini.h>; it does not run, discover or check that paths
 * exist.
 *
 * Loading has two passes.  First libinih tokenises the file through our own
 * reader, which works around three traits of Debian's build: lines are cut
 * at 200 bytes (the reader rejects longer lines instead of letting the rest
 * become a bogus new line), the handler gets no line number (the reader
 * counts physical lines, one per call), and a ';' after whitespace starts a
 * comment (the reader hides that whitespace behind a private byte, restored
 * when the value is stored, so shell commands keep their " ; ").  The
 * reader also records section headers, which inih never reports for an
 * empty section, and tells continuation lines from new keys.  The first
 * pass yields the file's headers and keys in order; the second interprets
 * them: expansion of ${VAR}, typed values, defaults, path resolution.
 * The settings written out load back to the same bytes (see put_str).
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <pthread.h>
#include <ini.h>
#include "buf.h"
#include "config.h"
#include "error.h"
#include "framework.h"
#include "offload.h"

/* Stand-ins for the whitespace before a ';', invisible to inih. */
#define HIDDEN_SPACE '\x1c'
#define HIDDEN_TAB '\x1d'

#define NONE ((size_t)-1)

enum line_kind { LINE_OTHER, LINE_KEY, LINE_CONT };

enum section_kind {
	SEC_UNKNOWN, SEC_OFFLOAD, SEC_PROVIDER, SEC_ENV, SEC_FRAMEWORK,
	SEC_GROUP, SEC_NAMELESS_GROUP, SEC_REPORT, SEC_HISTORY,
};

struct section {
	char *name;               /* owned, without brackets */
	enum section_kind kind;
	size_t group;             /* index into cfg->groups, or NONE */
	int warned;               /* unknown, and said so */
};

/* One event of the file in order: a section header (name NULL) or a key. */
struct entry {
	size_t section;           /* index into loader.sec, NONE before any header */
	char *name;               /* owned; NULL for a header */
	struct buf value;         /* raw value, continuation lines joined */
	int line;
};

/*
 * A hash index over loader items (sections by name, keys by section and
 * name), so that finding a section again or a duplicate key costs O(1)
 * and a file with 100k sections loads in linear time.  Open addressing
 * with linear probing; the table doubles when half full.
 */
struct islot {
	size_t hash;
	size_t item;              /* index + 1; 0: the slot is empty */
};

struct index {
	struct islot *slot;       /* owned; NULL until the first insertion */
	size_t nr, mask;          /* items; table size - 1 */
};

struct loader {
	FILE *fp;
	const char *file;         /* as given, for messages */
	struct offload_config *cfg;
	struct offload_error *err;
	int code;                 /* first error; reading stops once set */

	int lineno;               /* physical line last read */
	enum line_kind kind;      /* what that line is */
	int key_pending;          /* a key line inih has not passed on yet */
	size_t cur_section;       /* NONE before the first header */
	size_t last_key;          /* entry indented lines continue, or NONE */

	struct section *sec;
	size_t sec_nr, sec_alloc;
	struct entry *ent;
	size_t ent_nr, ent_alloc;
	struct index sec_index;   /* sec[] by name */
	struct index key_index;   /* ent[] keys by section and name */
	size_t groups_alloc;      /* of cfg->groups */
	struct strvec warnings;
	int framework_line;       /* line of [framework] type, 0 if unset */
};

enum value_type {
	V_STR,        /* any text */
	V_NONEMPTY,   /* text, not empty */
	V_UINT0,      /* integer >= 0 */
	V_UINT1,      /* integer >= 1 */
	V_POSITIVE,   /* number > 0 */
	V_NONNEG,     /* number >= 0 */
	V_BOOL,
	V_PROVIDER,   /* [provider] type */
	V_FRAMEWORK,  /* [framework] type */
};

struct keydef {
	const char *name;
	enum value_type type;
	size_t off;               /* into struct offload_config or offload_group */
};

#define CFG(field) offsetof(struct offload_config, field)
#define GRP(field) offsetof(struct offload_group, field)

static const struct keydef offload_keys[] = {
	{ "max_parallel", V_UINT1, CFG(max_parallel) },
	{ "test_timeout_secs", V_POSITIVE, CFG(test_timeout_secs) },
	{ "working_dir", V_NONEMPTY, CFG(working_dir) },
	{ "impatiently_requeue_batches", V_BOOL,
	  CFG(impatiently_requeue_batches) },
	{ NULL, V_STR, 0 },
};

static const struct keydef provider_keys[] = {
	{ "type", V_PROVIDER, CFG(provider_type) },
	{ "shell", V_NONEMPTY, CFG(shell) },
	{ "working_dir", V_NONEMPTY, CFG(provider_working_dir) },
	/* from here on, in the order offload_config_dump writes them */
	{ "prepare_command", V_STR, CFG(prepare_command) },
	{ "create_command", V_STR, CFG(create_command) },
	{ "exec_command", V_STR, CFG(exec_command) },
	{ "download_command", V_STR, CFG(download_command) },
	{ "destroy_command", V_STR, CFG(destroy_command) },
	{ "cleanup_command", V_STR, CFG(cleanup_command) },
	{ "sandbox_dir", V_STR, CFG(sandbox_dir) },
	{ "exclude", V_STR, CFG(exclude) },
	{ "hosts", V_STR, CFG(hosts) },
	{ "ssh_config", V_STR, CFG(ssh_config) },
	{ "remote_dir", V_NONEMPTY, CFG(remote_dir) },
	{ "partition", V_STR, CFG(partition) },
	{ "salloc_args", V_STR, CFG(salloc_args) },
	{ "prepare_timeout_secs", V_POSITIVE, CFG(prepare_timeout_secs) },
	{ "create_timeout_secs", V_POSITIVE, CFG(create_timeout_secs) },
	{ "download_timeout_secs", V_POSITIVE, CFG(download_timeout_secs) },
	{ "destroy_timeout_secs", V_POSITIVE, CFG(destroy_timeout_secs) },
	{ "retries", V_UINT0, CFG(retries) },
	{ "cpus_per_sandbox", V_UINT1, CFG(cpus_per_sandbox) },
	{ "sandboxes_per_allocation", V_UINT1, CFG(sandboxes_per_allocation) },
	{ NULL, V_STR, 0 },
};

/*
 * [framework]'s keys: `type`, then every key of every framework in the
 * registry (framework.h), built once.  Which of them the chosen framework
 * reads, requires and defaults, its own table says.
 */
/* "pytest, exec, custom": the registry's names, for messages. */
static const char *framework_names(char *dst, size_t n)
{
	size_t len = 0;

	dst[0] = '\0';
	for (size_t f = 0; framework_registry[f] && len < n; f++)
		len += (size_t)snprintf(dst + len, n - len, "%s%s", f ? ", " : "",
					framework_registry[f]->name);
	return dst;
}

#define FRAMEWORK_KEYS_MAX 64
static struct keydef framework_keys_[FRAMEWORK_KEYS_MAX];
static pthread_once_t framework_keys_once = PTHREAD_ONCE_INIT;

static void build_framework_keys(void)
{
	size_t n = 0;

	framework_keys_[n++] = (struct keydef){ "type", V_FRAMEWORK, CFG(framework) };
	for (size_t f = 0; framework_registry[f]; f++)
		for (const struct framework_key *k = framework_registry[f]->keys;
		     k->name; k++) {
			size_t i;

			for (i = 1; i < n; i++)
				if (!strcmp(framework_keys_[i].name, k->name))
					break;
			/* a key that may be empty defaults to "": an explicit
			 * empty value must not mean something else (the dump
			 * leaves empty values out, so it would not load back) */
			if (i == n && n + 1 < FRAMEWORK_KEYS_MAX)
				framework_keys_[n++] = (struct keydef){
					k->name, k->def && !*k->def ? V_STR : V_NONEMPTY,
					k->off };
		}
	framework_keys_[n] = (struct keydef){ NULL, V_STR, 0 };
}

static const struct keydef *framework_keys(void)
{
	pthread_once(&framework_keys_once, build_framework_keys);
	return framework_keys_;
}

static const struct keydef group_keys[] = {
	{ "retry_count", V_UINT0, GRP(retry_count) },
	{ "filters", V_STR, GRP(filters) },
	{ "schedule_individual", V_BOOL, GRP(schedule_individual) },
	{ NULL, V_STR, 0 },
};

static const struct keydef report_keys[] = {
	{ "output_dir", V_NONEMPTY, CFG(output_dir) },
	{ "junit", V_BOOL, CFG(junit) },
	{ "junit_file", V_NONEMPTY, CFG(junit_file) },
	{ "download_globs", V_STR, CFG(download_globs) },
	{ "trace_file", V_NONEMPTY, CFG(trace_file) },
	{ NULL, V_STR, 0 },
};

static const struct keydef history_keys[] = {
	{ "path", V_NONEMPTY, CFG(history_path) },
	{ "default_duration_secs", V_NONNEG, CFG(default_duration_secs) },
	{ "samples", V_UINT1, CFG(history_samples) },
	{ "forget_after_runs", V_UINT1, CFG(history_forget) },
	{ NULL, V_STR, 0 },
};


/* ------------------------------------------------------------------ */
/* Errors and warnings                                                 */

/* Record the first error as "config 'FILE' line N: ..." (no line if 0). */
__attribute__((format(printf, 4, 5)))
static int fail(struct loader *L, int line, int code, const char *fmt, ...)
{
	char msg[sizeof(L->err->msg)];
	va_list ap;

	if (L->code)
		return L->code;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	L->code = code;
	if (line > 0)
		err_set(L->err, code, "config '%s' line %d: %s", L->file, line,
			msg);
	else
		err_set(L->err, code, "config '%s': %s", L->file, msg);
	return code;
}

static int nomem(struct loader *L)
{
	if (L->code)
		return L->code;
	L->code = OFFLOAD_ENOMEM;
	return err_set(L->err, OFFLOAD_ENOMEM,
		       "out of memory reading config '%s'", L->file);
}

__attribute__((format(printf, 3, 4)))
static int warn(struct loader *L, int line, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int r;

	r = buf_addf(&b, "config '%s' line %d: ", L->file, line);
	if (!r) {
		va_start(ap, fmt);
		r = buf_vaddf(&b, fmt, ap);
		va_end(ap);
	}
	if (!r) {
		r = strvec_push(&L->warnings, b.buf);
	}
	buf_release(&b);
	return r ? nomem(L) : 0;
}

/* The candidate closest to `word`, or NULL when none is close enough. */
static const char *nearest(const char *word, const char *const *cands,
			   size_t nr)
{
	size_t len = strlen(word), limit = len / 3 > 2 ? len / 3 : 2;
	size_t best = SIZE_MAX, i, d;
	const char *found = NULL;

	for (i = 0; i < nr; i++) {
		d = edit_distance(word, cands[i]);
		if (d < best) {
			best = d;
			found = cands[i];
		}
	}
	return best <= limit ? found : NULL;
}

/* ------------------------------------------------------------------ */
/* First pass: the reader and the handler libinih calls                */

static void *grow(void *p, size_t *alloc, size_t nr, size_t size)
{
	size_t n;

	if (nr < *alloc)
		return p;
	n = *alloc ? *alloc * 2 : 8;
	p = reallocarray(p, n, size);
	if (p)
		*alloc = n;
	return p;
}

/* FNV-1a over `name`, seeded with `section` (NONE for section names). */
static size_t hash_name(size_t section, const char *name)
{
	uint64_t h = 14695981039346656037ull ^ (uint64_t)section;

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 29));
}

/* Room for one more item in `ix`: 0 or OFFLOAD_ENOMEM. */
static int index_reserve(struct index *ix)
{
	size_t size = ix->slot ? ix->mask + 1 : 0, n, i, j;
	struct islot *t;

	if (size && (ix->nr + 1) * 2 <= size)
		return 0;
	n = size ? size * 2 : 64;
	if (n < size || !(t = calloc(n, sizeof(*t))))
		return OFFLOAD_ENOMEM;
	for (i = 0; i < size; i++) {
		if (!ix->slot[i].item)
			continue;
		for (j = ix->slot[i].hash & (n - 1); t[j].item; j = (j + 1) & (n - 1))
			;
		t[j] = ix->slot[i];
	}
	free(ix->slot);
	ix->slot = t;
	ix->mask = n - 1;
	return 0;
}

/*
 * The slot of the item with this hash that `same` accepts, or the empty
 * slot where such an item goes (fill it in and count it in ix->nr).  Call
 * index_reserve() first.
 */
static struct islot *index_probe(const struct index *ix, size_t hash,
				 int (*same)(const struct loader *, size_t,
					     size_t, const char *),
				 const struct loader *L, size_t section,
				 const char *name)
{
	size_t i;

	for (i = hash & ix->mask;; i = (i + 1) & ix->mask) {
		struct islot *s = &ix->slot[i];

		if (!s->item ||
		    (s->hash == hash && same(L, s->item - 1, section, name)))
			return s;
	}
}

static int same_section(const struct loader *L, size_t i, size_t section,
			const char *name)
{
	(void)section;
	return !strcmp(L->sec[i].name, name);
}

static int same_key(const struct loader *L, size_t i, size_t section,
		    const char *name)
{
	return L->ent[i].section == section && !strcmp(L->ent[i].name, name);
}

/* Append `s` to `b` with the hidden whitespace put back. */
static int add_restored(struct buf *b, const char *s, size_t len)
{
	size_t i;
	int r = 0;

	for (i = 0; i < len && !r; i++) {
		char c = s[i];

		if (c == HIDDEN_SPACE)
			c = ' ';
		else if (c == HIDDEN_TAB)
			c = '\t';
		r = buf_addch(b, c);
	}
	return r;
}

static enum section_kind section_kind(const char *name)
{
	static const struct {
		const char *name;
		enum section_kind kind;
	} fixed[] = {
		{ "offload", SEC_OFFLOAD }, { "provider", SEC_PROVIDER },
		{ "provider.env", SEC_ENV }, { "framework", SEC_FRAMEWORK },
		{ "report", SEC_REPORT }, { "history", SEC_HISTORY },
		{ "group", SEC_NAMELESS_GROUP },
		{ "group.", SEC_NAMELESS_GROUP },
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(name, fixed[i].name))
			return fixed[i].kind;
	if (!strncmp(name, "group.", 6))
		return SEC_GROUP;
	return SEC_UNKNOWN;
}

static int push_entry(struct loader *L, size_t section, char *name)
{
	struct entry *e = grow(L->ent, &L->ent_alloc, L->ent_nr, sizeof(*e));

	if (!e) {
		free(name);
		return nomem(L);
	}
	L->ent = e;
	e = &L->ent[L->ent_nr++];
	e->section = section;
	e->name = name;
	buf_init(&e->value);
	e->line = L->lineno;
	return 0;
}

/* A "[name]" line at str[first]: record it as the current section. */
static int section_header(struct loader *L, const char *str, size_t first,
			  size_t len)
{
	const char *start = str + first + 1;
	const char *end = memchr(start, ']', len - first - 1);
	struct buf name = BUF_INIT;
	struct section *s;
	struct islot *slot;
	size_t i, hash;

	if (!end)
		return fail(L, L->lineno, OFFLOAD_ECONFIG,
			    "section header has no closing ']'");
	/* [ name ] means [name]; inih itself would keep the blanks. */
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (add_restored(&name, start, (size_t)(end - start)))
		return nomem(L);

	if (index_reserve(&L->sec_index)) {
		buf_release(&name);
		return nomem(L);
	}
	hash = hash_name(NONE, name.buf);
	slot = index_probe(&L->sec_index, hash, same_section, L, NONE,
			   name.buf);
	if (slot->item) {
		i = slot->item - 1;
	} else {
		s = grow(L->sec, &L->sec_alloc, L->sec_nr, sizeof(*s));
		if (!s) {
			buf_release(&name);
			return nomem(L);
		}
		L->sec = s;
		i = L->sec_nr;
		s = &L->sec[i];
		s->name = buf_detach(&name);
		if (!s->name)
			return nomem(L);
		s->kind = section_kind(s->name);
		s->group = NONE;
		s->warned = 0;
		L->sec_nr++;
		slot->hash = hash;
		slot->item = i + 1;
		L->sec_index.nr++;
	}
	buf_release(&name);
	L->cur_section = i;
	L->last_key = NONE;
	return push_entry(L, i, NULL);
}

/*
 * libinih's fgets: one physical line per call, so that inih's line count
 * and ours agree.  Lines longer than num - 1 bytes are refused rather than
 * cut.  The line is stored without its terminator ("\n" or "\r\n").
 */
static char *read_line(char *str, int num, void *stream)
{
	struct loader *L = stream;
	size_t max = num > 1 ? (size_t)num - 1 : 0, len = 0, first, i;
	int c;

	if (L->code)
		return NULL;
	if (L->key_pending) {
		/* inih did not call the handler: the line had no '='. */
		fail(L, L->lineno, OFFLOAD_ECONFIG,
		     "expected 'name = value', '[section]' or a comment");
		return NULL;
	}
	c = getc(L->fp);
	if (c == EOF)
		goto eof;
	L->lineno++;
	for (; c != EOF && c != '\n'; c = getc(L->fp)) {
		if (c == '\r') {
			int d = getc(L->fp);

			if (d == '\n' || d == EOF)
				break;
			ungetc(d, L->fp);
		}
		if (len == max) {
			fail(L, L->lineno, OFFLOAD_ECONFIG,
			     "line is longer than %zu bytes; continue a long value on indented lines",
			     max);
			return NULL;
		}
		str[len++] = (char)c;
	}
	if (ferror(L->fp))
		goto eof;
	str[len] = '\0';

	if (L->lineno == 1 && len >= 3 && !memcmp(str, "\xef\xbb\xbf", 3)) {
		memmove(str, str + 3, len - 2);
		len -= 3;
	}
	for (i = 0; i < len; i++) {
		unsigned char u = (unsigned char)str[i];

		if (u < 0x20 && u != '\t') {
			fail(L, L->lineno, OFFLOAD_ECONFIG,
			     "control character 0x%02x in line", u);
			return NULL;
		}
	}

	L->kind = LINE_OTHER;
	for (first = 0; first < len && (str[first] == ' ' || str[first] == '\t');
	     first++)
		;
	if (first == len || str[first] == ';' || str[first] == '#')
		return str;
	/* Hide " ;" from inih's inline-comment rule: values are literal. */
	for (i = first; i + 1 < len; i++) {
		if (str[i + 1] != ';')
			continue;
		if (str[i] == ' ')
			str[i] = HIDDEN_SPACE;
		else if (str[i] == '\t')
			str[i] = HIDDEN_TAB;
	}
	/* The same test inih makes: indented text after a key continues it. */
	if (first > 0 && L->last_key != NONE) {
		L->kind = LINE_CONT;
		return str;
	}
	if (str[first] == '[')
		return section_header(L, str, first, len) ? NULL : str;
	L->kind = LINE_KEY;
	L->key_pending = 1;
	return str;

eof:
	if (ferror(L->fp)) {
		int e = errno ? errno : EIO;

		L->code = -e;
		err_set(L->err, -e, "cannot read config '%s': %s", L->file,
			strerror(e));
	}
	return NULL;
}

static int on_value(void *user, const char *section, const char *name,
		    const char *value)
{
	struct loader *L = user;
	struct buf b = BUF_INIT;
	struct islot *slot;
	size_t hash;

	(void)section; /* ours is L->cur_section: inih cuts long names */
	if (L->code)
		return 0;
	if (L->kind == LINE_CONT) {
		struct entry *e = &L->ent[L->last_key];

		if ((e->value.len && buf_addch(&e->value, ' ')) ||
		    add_restored(&e->value, value, strlen(value)))
			return nomem(L), 0;
		return 1;
	}
	if (L->kind != LINE_KEY)
		return 1;
	L->key_pending = 0;
	if (add_restored(&b, name, strlen(name))) {
		buf_release(&b);
		return nomem(L), 0;
	}
	if (!b.len) {
		fail(L, L->lineno, OFFLOAD_ECONFIG, "missing key name before '='");
		return 0;
	}
	if (index_reserve(&L->key_index)) {
		buf_release(&b);
		return nomem(L), 0;
	}
	hash = hash_name(L->cur_section, b.buf);
	slot = index_probe(&L->key_index, hash, same_key, L, L->cur_section,
			   b.buf);
	if (slot->item) {
		const struct entry *e = &L->ent[slot->item - 1];

		if (L->cur_section == NONE)
			fail(L, L->lineno, OFFLOAD_ECONFIG,
			     "duplicate key '%s' (first set on line %d)",
			     b.buf, e->line);
		else
			fail(L, L->lineno, OFFLOAD_ECONFIG,
			     "duplicate key '%s' in [%s] (first set on line %d)",
			     b.buf, L->sec[L->cur_section].name, e->line);
		buf_release(&b);
		return 0;
	}
	/* b.len > 0, so buf_detach() hands over b's own storage. */
	if (push_entry(L, L->cur_section, buf_detach(&b)))
		return 0;
	slot->hash = hash;
	slot->item = L->ent_nr;
	L->key_index.nr++;
	/* Blanks hidden before a ';' that starts the value are still the
	 * blanks after '=', which inih would have removed. */
	while (*value == HIDDEN_SPACE || *value == HIDDEN_TAB)
		value++;
	if (add_restored(&L->ent[L->ent_nr - 1].value, value, strlen(value)))
		return nomem(L), 0;
	L->last_key = L->ent_nr - 1;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Second pass: values                                                 */

static int is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int valid_env_name(const char *s)
{
	if (!is_name_start(*s))
		return 0;
	while (*++s)
		if (!is_name_char(*s))
			return 0;
	return 1;
}

/*
 * ${VAR}, ${VAR:-default} and $$, once, left to right: what a variable
 * expands to is not looked at again.  ${} (blanks allowed between the
 * braces) is empty: it keeps blanks at either end of a value, and joins a
 * value split with "${" at the end of a line and "}" at the start of the
 * next, which the reader joins into "${ }".  Any other '$' is kept.
 */
static int expand(struct loader *L, const struct entry *e, struct buf *out)
{
	const char *p = e->value.buf, *name, *q, *val, *def = NULL;
	size_t namelen, deflen = 0;
	int r;

	while (*p) {
		if (p[0] != '$' || (p[1] != '$' && p[1] != '{')) {
			r = buf_addch(out, *p++);
		} else if (p[1] == '$') {
			r = buf_addch(out, '$');
			p += 2;
		} else if (p[2 + strspn(p + 2, " \t")] == '}') {
			p += 2 + strspn(p + 2, " \t") + 1;
			r = 0;
		} else {
			name = q = p + 2;
			if (is_name_start(*q))
				while (is_name_char(*q))
					q++;
			namelen = (size_t)(q - name);
			if (namelen && q[0] == ':' && q[1] == '-') {
				def = q + 2;
				q = strchr(def, '}');
				deflen = q ? (size_t)(q - def) : 0;
			} else if (*q != '}') {
				q = NULL;
			}
			if (!namelen || !q)
				return fail(L, e->line, OFFLOAD_ECONFIG,
					    "bad variable reference '%.40s' in '%s' (expected ${NAME} or ${NAME:-default}; write $$ for a literal $)",
					    p, e->name);
			{
				char var[namelen + 1];

				memcpy(var, name, namelen);
				var[namelen] = '\0';
				val = getenv(var);
				if (def && (!val || !*val))
					r = buf_add(out, def, deflen);
				else if (val)
					r = buf_adds(out, val);
				else
					return fail(L, e->line, OFFLOAD_ECONFIG,
						    "environment variable '%s' is not set (used in '%s')",
						    var, e->name);
			}
			def = NULL;
			p = q + 1;
		}
		if (r)
			return nomem(L);
	}
	for (p = out->buf; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return fail(L, e->line, OFFLOAD_ECONFIG,
				    "value of '%s' contains control character 0x%02x after expansion",
				    e->name, (unsigned)*p);
	return 0;
}

static int parse_uint(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* strtod in the C locale: a host such as make may have called setlocale. */
static int parse_double(const char *s, double *out)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	char *end;
	double v;

	if (!c)
		return OFFLOAD_ENOMEM;
	if (!*s || *s == ' ' || *s == '\t') {
		freelocale(c);
		return -1;
	}
	errno = 0;
	v = strtod_l(s, &end, c);
	freelocale(c);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "1", "on" };
	static const char *const no[] = { "false", "no", "0", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

static int bad_value(struct loader *L, const struct entry *e, const char *v,
		     const char *expected)
{
	return fail(L, e->line, OFFLOAD_ECONFIG,
		    "bad value '%s' for '%s' (expected %s)", v, e->name,
		    expected);
}

/* Store the expanded value `v` of entry `e`, of type k->type, at base. */
static int set_value(struct loader *L, const struct entry *e,
		     const struct keydef *k, void *base, const char *v)
{
	char *at = (char *)base + k->off;
	unsigned u;
	double d;
	int b;

	switch (k->type) {
	case V_NONEMPTY:
		if (!*v)
			return fail(L, e->line, OFFLOAD_ECONFIG,
				    "empty value for '%s'", e->name);
		/* fall through */
	case V_STR:
		if (!(*(char **)at = strdup(v)))
			return nomem(L);
		return 0;
	case V_UINT0:
	case V_UINT1:
		if (parse_uint(v, &u))
			return bad_value(L, e, v, k->type == V_UINT1 ?
					 "an integer >= 1" : "an integer >= 0");
		if (k->type == V_UINT1 && u < 1)
			return fail(L, e->line, OFFLOAD_ECONFIG,
				    "%s must be at least 1", e->name);
		*(unsigned *)at = u;
		return 0;
	case V_POSITIVE:
	case V_NONNEG:
		b = parse_double(v, &d);
		if (b == OFFLOAD_ENOMEM)
			return nomem(L);
		if (b || d < 0 || (k->type == V_POSITIVE && d == 0))
			return bad_value(L, e, v, k->type == V_POSITIVE ?
					 "a number > 0" : "a number >= 0");
		*(double *)at = d;
		return 0;
	case V_BOOL:
		b = parse_bool(v);
		if (b < 0)
			return bad_value(L, e, v,
					 "true/false, yes/no, on/off or 1/0");
		*(int *)at = b;
		return 0;
	case V_PROVIDER:
		if (strcmp(v, "local") && strcmp(v, "command") &&
		    strcmp(v, "ssh") && strcmp(v, "slurm"))
			return fail(L, e->line, OFFLOAD_ECONFIG,
				    "unknown provider type '%s' (valid types: "
				    "local, command, ssh, slurm)", v);
		if (!(*(char **)at = strdup(v)))
			return nomem(L);
		return 0;
	case V_FRAMEWORK:
		if (!(*(const struct framework_ops **)at = framework_find(v))) {
			char names[256];

			return fail(L, e->line, OFFLOAD_ECONFIG,
				    "unknown framework type '%s' (valid types: %s)",
				    v, framework_names(names, sizeof(names)));
		}
		L->framework_line = e->line;
		return 0;
	}
	return 0;
}

static int unknown_key(struct loader *L, const struct entry *e,
		       const struct keydef *keys)
{
	const char *cands[16];
	const char *sec = L->sec[e->section].name, *best;
	size_t nr = 0;

	while (nr < 16 && keys[nr].name) {
		cands[nr] = keys[nr].name;
		nr++;
	}
	best = nearest(e->name, cands, nr);
	if (best)
		return warn(L, e->line,
			    "unknown key '%s' in [%s] (did you mean '%s'?)",
			    e->name, sec, best);
	return warn(L, e->line, "unknown key '%s' in [%s]", e->name, sec);
}

static int unknown_section(struct loader *L, const struct entry *e)
{
	const char *name = L->sec[e->section].name, *dot = strchr(name, '.');
	struct buf group = BUF_INIT;
	const char *cands[7] = {
		"offload", "provider", "provider.env", "framework", "report",
		"history", NULL,
	};
	const char *best;
	int r;

	/* [grup.unit] is closest to [group.unit], not to [group.NAME]. */
	if (buf_adds(&group, "group.") ||
	    buf_adds(&group, dot && dot[1] ? dot + 1 : "NAME"))
		return buf_release(&group), nomem(L);
	cands[6] = group.buf;
	best = nearest(name, cands, 7);
	if (best)
		r = warn(L, e->line,
			 "unknown section [%s] (did you mean [%s]?)", name,
			 best);
	else
		r = warn(L, e->line, "unknown section [%s]", name);
	buf_release(&group);
	return r;
}

static int add_group(struct loader *L, struct section *s)
{
	struct offload_config *cfg = L->cfg;
	struct offload_group *g;

	g = grow(cfg->groups, &L->groups_alloc, cfg->groups_nr, sizeof(*g));
	if (!g)
		return nomem(L);
	cfg->groups = g;
	g = &cfg->groups[cfg->groups_nr];
	memset(g, 0, sizeof(*g));
	if (!(g->name = strdup(s->name + 6)))
		return nomem(L);
	cfg->groups_nr++;
	s->group = cfg->groups_nr - 1;
	return 0;
}

static int add_env(struct loader *L, const struct entry *e, const char *v)
{
	struct offload_config *cfg = L->cfg;
	struct offload_env *env;

	if (!valid_env_name(e->name))
		return fail(L, e->line, OFFLOAD_ECONFIG,
			    "bad environment variable name '%s' in [provider.env]",
			    e->name);
	env = reallocarray(cfg->env, cfg->env_nr + 1, sizeof(*env));
	if (!env)
		return nomem(L);
	cfg->env = env;
	env = &cfg->env[cfg->env_nr];
	env->name = strdup(e->name);
	env->value = strdup(v);
	if (!env->name || !env->value) {
		free(env->name);
		free(env->value);
		return nomem(L);
	}
	cfg->env_nr++;
	return 0;
}

static int interpret_key(struct loader *L, const struct entry *e)
{
	struct section *s = &L->sec[e->section];
	const struct keydef *keys = NULL, *k = NULL;
	void *base = L->cfg;
	struct buf v = BUF_INIT;
	int r;

	switch (s->kind) {
	case SEC_OFFLOAD: keys = offload_keys; break;
	case SEC_PROVIDER: keys = provider_keys; break;
	case SEC_FRAMEWORK: keys = framework_keys(); break;
	case SEC_REPORT: keys = report_keys; break;
	case SEC_HISTORY: keys = history_keys; break;
	case SEC_GROUP:
		keys = group_keys;
		base = &L->cfg->groups[s->group];
		break;
	case SEC_ENV:
		break;
	case SEC_UNKNOWN:
	case SEC_NAMELESS_GROUP:
		return 0; /* said once, at the header */
	}
	if (keys) {
		for (k = keys; k->name; k++)
			if (!strcmp(k->name, e->name))
				break;
		if (!k->name)
			return unknown_key(L, e, keys);
	}
	r = expand(L, e, &v);
	if (!r)
		r = keys ? set_value(L, e, k, base, v.buf) : add_env(L, e, v.buf);
	buf_release(&v);
	return r;
}

static int interpret_header(struct loader *L, const struct entry *e)
{
	struct section *s = &L->sec[e->section];

	switch (s->kind) {
	case SEC_UNKNOWN:
		/* Warn once, at the first header of that name. */
		if (s->warned)
			return 0;
		s->warned = 1;
		return unknown_section(L, e);
	case SEC_NAMELESS_GROUP:
		return fail(L, e->line, OFFLOAD_ECONFIG,
			    "section [%s] needs a name, as in [group.unit]",
			    s->name);
	case SEC_GROUP:
		return s->group == NONE ? add_group(L, s) : 0;
	default:
		return 0;
	}
}

static const char *section_line_name(struct loader *L, enum section_kind kind,
				     int *line)
{
	size_t i;

	*line = 0;
	for (i = 0; i < L->ent_nr; i++) {
		const struct entry *e = &L->ent[i];

		if (!e->name && L->sec[e->section].kind == kind) {
			*line = e->line;
			return L->sec[e->section].name;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Defaults and paths                                                  */

static int set_default(struct loader *L, char **field, const char *value)
{
	if (*field)
		return 0;
	if (!(*field = strdup(value)))
		return nomem(L);
	return 0;
}

/* `path` made absolute against `base` (itself absolute); owned result. */
static char *resolve(const char *base, const char *path)
{
	struct buf b = BUF_INIT;

	if (path[0] == '/')
		return strdup(path);
	while (path[0] == '.' && path[1] == '/') {
		path += 2;
		while (*path == '/')
			path++;
	}
	if (!strcmp(path, "."))
		path = "";
	if (buf_adds(&b, base) ||
	    (*path && strcmp(base, "/") && buf_addch(&b, '/')) ||
	    buf_adds(&b, path)) {
		buf_release(&b);
		return NULL;
	}
	while (b.len > 1 && b.buf[b.len - 1] == '/')
		b.buf[--b.len] = '\0';
	return buf_detach(&b);
}

static int resolve_field(struct loader *L, char **field, const char *base)
{
	char *abs = resolve(base, *field);

	if (!abs)
		return nomem(L);
	free(*field);
	*field = abs;
	return 0;
}

static int config_dir(struct loader *L)
{
	const char *slash = strrchr(L->file, '/');
	char *dir;

	if (!slash) {
		dir = strdup(".");
	} else if (slash == L->file) {
		dir = strdup("/");
	} else {
		dir = strndup(L->file, (size_t)(slash - L->file));
	}
	if (!dir)
		return nomem(L);
	L->cfg->dir = realpath(dir, NULL);
	free(dir);
	if (!L->cfg->dir) {
		int e = errno;

		if (e == ENOMEM)
			return nomem(L);
		return fail(L, 0, -e, "cannot resolve its directory: %s",
			    strerror(e));
	}
	return 0;
}

static int empty(const char *s)
{
	return !s || !*s;
}

/* download_globs reach a remote shell unquoted (to be expanded there):
 * only the characters of plain paths and glob patterns. */
static int check_globs(struct loader *L)
{
	const char *g = L->cfg->download_globs;
	int line;

	if (!g || strspn(g, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789/._-+*?[]!, \t") == strlen(g))
		return 0;
	section_line_name(L, SEC_REPORT, &line);
	return fail(L, line, OFFLOAD_ECONFIG,
		    "[report] download_globs: '%s' holds a character other than "
		    "letters, digits, blanks and /._-+*?[]!,", g);
}

/* The line of key `name` in a section of kind `kind`, else the
 * section's header line. */
static int key_line(struct loader *L, enum section_kind kind, const char *name)
{
	int line;

	for (size_t i = 0; i < L->ent_nr; i++)
		if (L->ent[i].name && L->ent[i].section != NONE &&
		    L->sec[L->ent[i].section].kind == kind &&
		    !strcmp(L->ent[i].name, name))
			return L->ent[i].line;
	section_line_name(L, kind, &line);
	return line;
}

/*
 * Every "{word}" of the command templates must be a placeholder that
 * template has ("${word}" is the shell's, left alone): a typo is a
 * configuration error, not a command that fails on every sandbox.
 */
static int check_placeholders(struct loader *L)
{
	static const struct {
		const char *key;
		size_t off;
		const char *known;
	} t[] = {
		{ "prepare_command", CFG(prepare_command), " run_id " },
		{ "create_command", CFG(create_command),
		  " image_id run_id index host " },
		{ "exec_command", CFG(exec_command),
		  " image_id run_id index host sandbox_id command " },
		{ "download_command", CFG(download_command),
		  " image_id run_id index host sandbox_id paths pack dest " },
		{ "destroy_command", CFG(destroy_command),
		  " image_id run_id index host sandbox_id " },
		{ "cleanup_command", CFG(cleanup_command), " image_id run_id " },
		{ "sandbox_dir", CFG(sandbox_dir),
		  " image_id run_id index host sandbox_id " },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		const char *v = *(char *const *)((char *)L->cfg + t[i].off);

		for (const char *p = v ? strchr(v, '{') : NULL; p; p = strchr(p + 1, '{')) {
			size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_");
			char word[40];

			if (!n || p[1 + n] != '}' || (p > v && p[-1] == '$') ||
			    n + 3 > sizeof(word))
				continue;
			snprintf(word, sizeof(word), " %.*s ", (int)n, p + 1);
			if (!strstr(t[i].known, word))
				return fail(L, key_line(L, SEC_PROVIDER, t[i].key),
					    OFFLOAD_ECONFIG,
					    "unknown placeholder '{%.*s}' in '%s' (it has: %.*s)",
					    (int)n, p + 1, t[i].key,
					    (int)strlen(t[i].known) - 2, t[i].known + 1);
		}
	}
	return 0;
}

/*
 * [provider] keys that only some types read: set for another type, a
 * key is ignored, which is worth a warning (a Slurm partition under
 * type = ssh, a create_command under type = slurm).  The others (type,
 * shell, working_dir, the timeouts, retries) apply to every type.
 */
static const struct {
	const char *key, *types;  /* types: "a or b" */
} provider_key_types[] = {
	{ "prepare_command", "command" }, { "create_command", "command" },
	{ "exec_command", "command" }, { "download_command", "command" },
	{ "destroy_command", "command" }, { "cleanup_command", "command" },
	{ "sandbox_dir", "command" },
	{ "hosts", "command or ssh" }, { "ssh_config", "ssh" },
	{ "remote_dir", "ssh" }, { "exclude", "ssh or slurm" },
	{ "partition", "slurm" }, { "salloc_args", "slurm" },
	{ "cpus_per_sandbox", "slurm" }, { "sandboxes_per_allocation", "slurm" },
};

/*
 * Whether provider `type` reads [provider] key `key`: NULL when it does,
 * else the types that do ("command or ssh").
 */
static const char *provider_key_foreign(const char *type, const char *key)
{
	size_t tl = strlen(type);

	for (size_t k = 0; k < sizeof(provider_key_types) /
			       sizeof(provider_key_types[0]); k++) {
		const char *t = provider_key_types[k].types, *at;

		if (strcmp(key, provider_key_types[k].key))
			continue;
		for (at = strstr(t, type); at; at = strstr(at + 1, type))
			if ((at == t || at[-1] == ' ') && (at[tl] == ' ' || !at[tl]))
				return NULL;
		return t;
	}
	return NULL;
}

static int warn_foreign_provider_keys(struct loader *L)
{
	const char *type = L->cfg->provider_type, *t;

	for (size_t i = 0; i < L->ent_nr; i++) {
		const struct entry *e = &L->ent[i];

		if (e->name && e->section != NONE &&
		    L->sec[e->section].kind == SEC_PROVIDER &&
		    (t = provider_key_foreign(type, e->name)) &&
		    warn(L, e->line, "key '%s' is read only with type = %s, "
			 "and ignored with type = %s", e->name, t, type))
			return L->code;
	}
	return 0;
}

/* The keys each remote provider cannot do without. */
static int check_provider(struct loader *L)
{
	struct offload_config *cfg = L->cfg;
	const char *type = cfg->provider_type, *missing = NULL;
	int line;

	if (!strcmp(type, "ssh") && strspn(cfg->remote_dir,
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789/._-+") != strlen(cfg->remote_dir))
		return fail(L, key_line(L, SEC_PROVIDER, "remote_dir"),
			    OFFLOAD_ECONFIG, "remote_dir '%s' must be an absolute "
			    "path of letters, digits and /._-+", cfg->remote_dir);
	if (!strcmp(type, "ssh") && cfg->remote_dir[0] != '/')
		return fail(L, key_line(L, SEC_PROVIDER, "remote_dir"),
			    OFFLOAD_ECONFIG, "remote_dir '%s' must be an absolute "
			    "path", cfg->remote_dir);
	if (!strcmp(type, "ssh") && !empty(cfg->ssh_config) &&
	    access(cfg->ssh_config, R_OK))
		return fail(L, key_line(L, SEC_PROVIDER, "ssh_config"),
			    OFFLOAD_ECONFIG, "ssh_config '%s': %s", cfg->ssh_config,
			    strerror(errno));
	if (check_placeholders(L) || warn_foreign_provider_keys(L))
		return L->code;

	if (!strcmp(type, "command")) {
		if (empty(cfg->create_command))
			missing = "create_command";
		else if (empty(cfg->exec_command))
			missing = "exec_command";
		else if (empty(cfg->download_command))
			missing = "download_command";
	} else if (!strcmp(type, "ssh") && empty(cfg->hosts)) {
		missing = "hosts";
	}
	if (!missing)
		return 0;
	section_line_name(L, SEC_PROVIDER, &line);
	return fail(L, line, OFFLOAD_ECONFIG,
		    "provider type '%s' needs '%s'", type, missing);
}

/*
 * Every framework key gets its default: the chosen framework's first,
 * then, for keys it does not read, the first other framework's (so code
 * may read any key without a NULL check); the chosen framework's required
 * keys must then be set.
 */
static int finish_framework(struct loader *L, int fline)
{
	struct offload_config *cfg = L->cfg;
	const struct framework_ops *fw = cfg->framework;

	for (const struct framework_key *k = fw->keys; k->name; k++)
		if (k->def && set_default(L, (char **)((char *)cfg + k->off), k->def))
			return L->code;
	for (size_t f = 0; framework_registry[f]; f++)
		for (const struct framework_key *k = framework_registry[f]->keys;
		     k->name; k++) {
			const struct framework_key *own = fw->keys;

			while (own->name && strcmp(own->name, k->name))
				own++;
			if (!own->name && k->def &&
			    set_default(L, (char **)((char *)cfg + k->off), k->def))
				return L->code;
		}
	for (const struct framework_key *k = fw->keys; k->name; k++) {
		char *const *at = (char *const *)((char *)cfg + k->off);

		if (k->required && (!*at || !**at))
			return fail(L, fline, OFFLOAD_ECONFIG,
				    "framework type '%s' needs '%s' (%s)",
				    fw->name, k->name, k->required);
	}
	return 0;
}

static int finish(struct loader *L)
{
	struct offload_config *cfg = L->cfg;
	const char *name;
	char names[256];
	int line, fline = L->framework_line;
	size_t i;

	if (!fline) {
		name = section_line_name(L, SEC_FRAMEWORK, &line);
		if (name)
			return fail(L, line, OFFLOAD_ECONFIG,
				    "[framework] has no 'type' (%s)",
				    framework_names(names, sizeof(names)));
		return fail(L, 0, OFFLOAD_ECONFIG,
			    "no [framework] section (it needs 'type = X', X one of %s)",
			    framework_names(names, sizeof(names)));
	}
	if (!cfg->groups_nr)
		return fail(L, 0, OFFLOAD_ECONFIG,
			    "no [group.NAME] section: at least one group is required");
	if (finish_framework(L, fline))
		return L->code;
	for (i = 0; i < cfg->groups_nr; i++)
		if (set_default(L, &cfg->groups[i].filters, ""))
			return L->code;
	if (set_default(L, &cfg->provider_type, "local") ||
	    set_default(L, &cfg->shell, "/bin/sh") ||
	    set_default(L, &cfg->working_dir, ".") ||
	    set_default(L, &cfg->output_dir, "test-results") ||
	    set_default(L, &cfg->junit_file, "junit.xml"))
		return L->code;

	if (cfg->ssh_config && *cfg->ssh_config &&
	    resolve_field(L, &cfg->ssh_config, cfg->dir))
		return L->code;
	if (set_default(L, &cfg->remote_dir, "/tmp") || check_provider(L) ||
	    check_globs(L))
		return L->code;
	if (resolve_field(L, &cfg->working_dir, cfg->dir))
		return L->code;
	if (cfg->provider_working_dir) {
		if (resolve_field(L, &cfg->provider_working_dir, cfg->dir))
			return L->code;
	} else if (set_default(L, &cfg->provider_working_dir,
			       cfg->working_dir)) {
		return L->code;
	}
	if (resolve_field(L, &cfg->output_dir, cfg->dir) ||
	    resolve_field(L, &cfg->junit_file, cfg->output_dir) ||
	    (cfg->trace_file && resolve_field(L, &cfg->trace_file, cfg->dir)))
		return L->code;
	if (cfg->history_path) {
		if (resolve_field(L, &cfg->history_path, cfg->dir))
			return L->code;
	} else {
		/* Beside the report, but not replaced with it: the history
		 * file outlives reports (docs/config.md). */
		struct buf def = BUF_INIT;
		int r = buf_addf(&def, "%s/history.tsv", cfg->output_dir);

		r = r ? nomem(L) : set_default(L, &cfg->history_path, def.buf);
		buf_release(&def);
		if (r)
			return L->code;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */

static void loader_release(struct loader *L)
{
	size_t i;

	for (i = 0; i < L->sec_nr; i++)
		free(L->sec[i].name);
	free(L->sec);
	for (i = 0; i < L->ent_nr; i++) {
		free(L->ent[i].name);
		buf_release(&L->ent[i].value);
	}
	free(L->ent);
	free(L->sec_index.slot);
	free(L->key_index.slot);
	strvec_clear(&L->warnings);
}

/*
 * A configuration error hides the warnings found before it, and those
 * are often its cause (a misspelt key: "unknown key 'host' ... did you
 * mean 'hosts'?", then "type 'ssh' needs 'hosts'"): add them to the
 * error's message, as far as it has room, and say how many did not fit.
 */
static void error_with_warnings(struct loader *L)
{
	struct offload_error *err = L->err;
	size_t len = strlen(err->msg), skip = strlen(L->file) + 10, i;

	for (i = 0; i < L->warnings.nr; i++) {
		const char *w = L->warnings.v[i];

		/* "config 'FILE' line N: ..." -> "line N: ..." */
		if (strlen(w) > skip && !strncmp(w, "config '", 8))
			w += skip;
		if (len + strlen(w) + 48 >= sizeof(err->msg))
			break;
		len += (size_t)snprintf(err->msg + len, sizeof(err->msg) - len,
					"; also %s", w);
	}
	if (i < L->warnings.nr)
		snprintf(err->msg + len, sizeof(err->msg) - len,
			 "; and %zu more warnings", L->warnings.nr - i);
}

int config_load(struct offload_config *cfg, const char *path,
		struct offload_error *err)
{
	struct loader L;
	size_t i;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	memset(&L, 0, sizeof(L));
	err_clear(err);
	L.file = path;
	L.cfg = cfg;
	L.err = err;
	L.cur_section = L.last_key = NONE;
	strvec_init(&L.warnings);

	cfg->max_parallel = 10;
	cfg->test_timeout_secs = 900;
	cfg->junit = 1;
	cfg->default_duration_secs = 1.0;
	cfg->history_samples = 5;
	cfg->history_forget = 20;
	cfg->prepare_timeout_secs = 600;
	cfg->create_timeout_secs = 120;
	cfg->download_timeout_secs = 120;
	cfg->destroy_timeout_secs = 60;
	cfg->retries = 2;
	cfg->cpus_per_sandbox = 1;
	cfg->sandboxes_per_allocation = 1;
	if (!(cfg->path = strdup(path))) {
		nomem(&L);
		goto cleanup;
	}

	L.fp = fopen(path, "re");
	if (!L.fp) {
		int e = errno;

		L.code = -e;
		err_set(err, -e, "cannot read config '%s': %s", path,
			strerror(e));
		goto cleanup;
	}
	r = ini_parse_stream(read_line, &L, on_value, &L);
	if (!L.code && L.key_pending)
		fail(&L, L.lineno, OFFLOAD_ECONFIG,
		     "expected 'name = value', '[section]' or a comment");
	if (!L.code && r == -2)
		nomem(&L);
	if (!L.code && r)
		fail(&L, r, OFFLOAD_ECONFIG, "syntax error");
	if (L.code)
		goto cleanup;

	for (i = 0; i < L.ent_nr && !L.code; i++) {
		const struct entry *e = &L.ent[i];

		if (!e->name)
			interpret_header(&L, e);
		else if (e->section == NONE)
			warn(&L, e->line,
			     "key '%s' is outside any section and is ignored",
			     e->name);
		else
			interpret_key(&L, e);
	}
	if (!L.code && !config_dir(&L))
		finish(&L);
	if (!L.code) {
		cfg->warnings_nr = L.warnings.nr;
		cfg->warnings = strvec_detach(&L.warnings);
	}

cleanup:
	if (L.code == OFFLOAD_ECONFIG)
		error_with_warnings(&L);
	if (L.fp)
		fclose(L.fp);
	loader_release(&L);
	if (L.code)
		config_release(cfg);
	return L.code;
}

void config_release(struct offload_config *cfg)
{
	size_t i;

	free(cfg->path);
	free(cfg->dir);
	free(cfg->working_dir);
	free(cfg->provider_type);
	free(cfg->shell);
	free(cfg->provider_working_dir);
	for (i = 3; provider_keys[i].name; i++)
		if (provider_keys[i].type != V_POSITIVE &&
		    provider_keys[i].type != V_UINT0 &&
		    provider_keys[i].type != V_UINT1)
			free(*(char **)((char *)cfg + provider_keys[i].off));
	for (i = 0; i < cfg->env_nr; i++) {
		free(cfg->env[i].name);
		free(cfg->env[i].value);
	}
	free(cfg->env);
	free(cfg->command);
	free(cfg->paths);
	free(cfg->run_args);
	free(cfg->discover_command);
	free(cfg->run_command);
	free(cfg->result_file);
	free(cfg->test_id_format);
	free(cfg->interpreter);
	for (i = 0; i < cfg->groups_nr; i++) {
		free(cfg->groups[i].name);
		free(cfg->groups[i].filters);
	}
	free(cfg->groups);
	free(cfg->output_dir);
	free(cfg->junit_file);
	free(cfg->download_globs);
	free(cfg->trace_file);
	free(cfg->history_path);
	for (i = 0; i < cfg->warnings_nr; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	memset(cfg, 0, sizeof(*cfg));
}

/* ------------------------------------------------------------------ */
/* Writing settings out                                                */

/* Longest line the loader accepts (libinih's buffer less its NUL). */
#define LINE_MAX_BYTES 199

/* value[from..to) with '$' doubled; returns the bytes written. */
static size_t put_escaped(FILE *out, const char *value, size_t from,
			  size_t to)
{
	size_t n = 0;

	for (; from < to; from++) {
		if (value[from] == '$')
			n++, fputc('$', out);
		fputc(value[from], out);
		n++;
	}
	return n;
}

/*
 * "key = value" in a form that loads back byte for byte.  '$' is doubled,
 * so that loading does not expand it again; a value that starts or ends
 * with a blank gets an empty "${}" there, which keeps the blank from
 * being trimmed; a value too long for one line is split wherever the line
 * is full (never inside a "$$"), the line ending in "${" and the next,
 * indented, starting with "}": the loader joins them into an empty
 * "${ }".  No line is longer than LINE_MAX_BYTES.
 */
static int put_str(FILE *out, const char *key, const char *value)
{
	size_t len = strlen(value), klen = strlen(key), left = len, col, i;
	int lead = len && (value[0] == ' ' || value[0] == '\t');
	int trail = len && (value[len - 1] == ' ' || value[len - 1] == '\t');

	for (i = 0; i < len; i++)
		left += value[i] == '$';	/* bytes still to write */
	/* An env name may fill a line on its own: "NAME=" was its line. */
	fputs(key, out);
	fputs(klen + 2 <= LINE_MAX_BYTES ? " =" : "=", out);
	col = klen + (klen + 2 <= LINE_MAX_BYTES ? 2 : 1);
	if (!len) {
		fputc('\n', out);
		return 0;
	}
	/* Room for " ", the guard and one "$$" before a "${"?  Else start
	 * on a continuation line (joined to an empty value without a space),
	 * guarded: a '#' or ';' there would start a comment. */
	if (col + 1 + 3 + 2 + 2 <= LINE_MAX_BYTES) {
		fputc(' ', out);
		col++;
	} else {
		fputs("\n\t", out);
		col = 1;
		lead = 1;
	}
	if (lead) {
		fputs("${}", out);
		col += 3;
	}
	i = 0;
	for (;;) {
		size_t room = LINE_MAX_BYTES - col, used = 0, cut = 0, j;

		if (left + (trail ? 3 : 0) <= room)
			break;
		/* Break at a single space in the second half of the line if
		 * there is one (the loader joins lines with a space), else
		 * wherever the line is full, before "${". */
		for (j = i; j < len; j++) {
			size_t w = value[j] == '$' ? 2 : 1;

			if (value[j] == ' ' && used >= room / 2 &&
			    value[j - 1] != ' ' && value[j - 1] != '\t' &&
			    j + 1 < len && !strchr(" \t;#", value[j + 1]))
				cut = j;
			if (used + w > room)
				break;
			used += w;
		}
		if (cut) {
			left -= put_escaped(out, value, i, cut) + 1;
			fputs("\n\t", out);
			i = cut + 1;	/* the space, which the join restores */
			col = 1;
			continue;
		}
		for (j = i, used = 0; j < len; j++) {
			size_t w = value[j] == '$' ? 2 : 1;

			if (used + w + 2 > room)
				break;
			used += w;
		}
		left -= put_escaped(out, value, i, j);
		fputs("${\n\t}", out);
		i = j;
		col = 2;
	}
	put_escaped(out, value, i, len);
	fputs(trail ? "${}\n" : "\n", out);
	return 0;
}

/* The shortest text that reads back as `d`, in the C locale. */
static int put_double(FILE *out, const char *key, double d)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), old;
	char s[64];
	int prec;

	if (!c)
		return OFFLOAD_ENOMEM;
	old = uselocale(c);
	if (d > -1e15 && d < 1e15 && d == (double)(long long)d) {
		snprintf(s, sizeof(s), "%.0f", d); /* 900, not 9e+02 */
	} else {
		for (prec = 1; prec < 17; prec++) {
			snprintf(s, sizeof(s), "%.*g", prec, d);
			if (strtod(s, NULL) == d)
				break;
		}
		snprintf(s, sizeof(s), "%.*g", prec, d);
	}
	uselocale(old);
	freelocale(c);
	fprintf(out, "%s = %s\n", key, s);
	return 0;
}

static const char *bool_str(int b)
{
	return b ? "true" : "false";
}

/*
 * For the dump: OWN_KEY when `fw` reads key `name`, else the default
 * finish_framework gives it (the first other framework's), or NULL.
 */
static const char OWN_KEY[] = "";

static const char *other_framework_default(const struct framework_ops *fw,
					   const char *name)
{
	for (const struct framework_key *k = fw->keys; k->name; k++)
		if (!strcmp(k->name, name))
			return OWN_KEY;
	for (size_t f = 0; framework_registry[f]; f++)
		for (const struct framework_key *k = framework_registry[f]->keys;
		     k->name; k++)
			if (!strcmp(k->name, name) && k->def)
				return k->def;
	return NULL;
}

int offload_config_dump(const struct offload_config *cfg, FILE *out)
{
	size_t i;
	int r = 0;

	fputs("# effective offload settings\n\n[offload]\n", out);
	fprintf(out, "max_parallel = %u\n", cfg->max_parallel);
	r = r ? r : put_double(out, "test_timeout_secs", cfg->test_timeout_secs);
	r = r ? r : put_str(out, "working_dir", cfg->working_dir);
	fprintf(out, "impatiently_requeue_batches = %s\n",
		bool_str(cfg->impatiently_requeue_batches));

	fputs("\n[provider]\n", out);
	r = r ? r : put_str(out, "type", cfg->provider_type);
	r = r ? r : put_str(out, "shell", cfg->shell);
	r = r ? r : put_str(out, "working_dir", cfg->provider_working_dir);
	/* The remote keys, only for a remote provider and only those its
	 * type reads; empty strings are their defaults. */
	for (i = 3; provider_keys[i].name && !r &&
	     strcmp(cfg->provider_type, "local"); i++) {
		const struct keydef *k = &provider_keys[i];
		const char *at = (const char *)cfg + k->off;

		if (provider_key_foreign(cfg->provider_type, k->name))
			continue;
		if (k->type == V_POSITIVE)
			r = put_double(out, k->name, *(const double *)at);
		else if (k->type == V_UINT0 || k->type == V_UINT1)
			fprintf(out, "%s = %u\n", k->name, *(const unsigned *)at);
		else if (*(char *const *)at && **(char *const *)at)
			r = put_str(out, k->name, *(char *const *)at);
	}
	if (cfg->env_nr)
		fputs("\n[provider.env]\n", out);
	for (i = 0; i < cfg->env_nr && !r; i++)
		r = put_str(out, cfg->env[i].name, cfg->env[i].value);

	fputs("\n[framework]\n", out);
	fprintf(out, "type = %s\n", cfg->framework->name);
	/* The chosen framework's keys that are set; empty ones are left
	 * out.  Another framework's key is not read: it is written only
	 * when the file set it to something else than the default it gets
	 * anyway (finish_framework), so that the dump loads to the same
	 * settings without showing, say, pytest's `command` for exec. */
	for (const struct keydef *k = framework_keys() + 1; k->name && !r; k++) {
		const char *v = *(char *const *)((const char *)cfg + k->off);
		const char *def = other_framework_default(cfg->framework, k->name);

		if (v && *v && (def == OWN_KEY || !def || strcmp(v, def)))
			r = put_str(out, k->name, v);
	}

	for (i = 0; i < cfg->groups_nr && !r; i++) {
		const struct offload_group *g = &cfg->groups[i];

		fprintf(out, "\n[group.%s]\nretry_count = %u\n", g->name,
			g->retry_count);
		r = put_str(out, "filters", g->filters ? g->filters : "");
		fprintf(out, "schedule_individual = %s\n",
			bool_str(g->schedule_individual));
	}

	fputs("\n[report]\n", out);
	r = r ? r : put_str(out, "output_dir", cfg->output_dir);
	fprintf(out, "junit = %s\n", bool_str(cfg->junit));
	r = r ? r : put_str(out, "junit_file", cfg->junit_file);
	if (cfg->download_globs && *cfg->download_globs)
		r = r ? r : put_str(out, "download_globs", cfg->download_globs);
	if (cfg->trace_file)
		r = r ? r : put_str(out, "trace_file", cfg->trace_file);

	fputs("\n[history]\n", out);
	r = r ? r : put_str(out, "path", cfg->history_path);
	r = r ? r : put_double(out, "default_duration_secs",
			       cfg->default_duration_secs);
	fprintf(out, "samples = %u\nforget_after_runs = %u\n",
		cfg->history_samples, cfg->history_forget);
	if (r)
		return r;
	if (fflush(out) || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

/* The docs `make install` installs (Makefile DOCDIR), named in the
 * starter file: it must point at something a user of the installed
 * command has (t0080 checks it). */
#ifndef OFFLOAD_DOCDIR_DEFAULT
#define OFFLOAD_DOCDIR_DEFAULT "/usr/local/share/doc/offload"
#endif

static const char template_head[] =
	"# offload.ini - settings for `offload run`.  Every key is described in\n"
	"# `man 5 offload.ini`, and at length in\n"
	"# " OFFLOAD_DOCDIR_DEFAULT "/config.md (docs/ in the source).\n"
	"#\n"
	"# Lines starting with '#' or ';' are comments.  Values are literal: a ';'\n"
	"# inside a value belongs to it.  ${VAR} and ${VAR:-default} expand\n"
	"# environment variables, $$ is a '$'.  Indented lines continue the value\n"
	"# above.  Relative paths are relative to this file's directory.\n"
	"\n"
	"[offload]\n"
	"# Sandboxes that run batches at the same time.\n"
	"max_parallel = 10\n"
	"# Seconds a batch (pytest, custom, gtest: each binary run) or a test\n"
	"# (exec) may run before it is killed.\n"
	"test_timeout_secs = 900\n"
	"# Run copies of batches on idle sandboxes to shorten the tail.\n"
	"impatiently_requeue_batches = false\n"
	"\n"
	"[provider]\n"
	"# Each sandbox is a directory and environment on this machine.\n"
	"# Other machines: type = ssh (hosts = h1 h2), slurm or command; see\n"
	"# " OFFLOAD_DOCDIR_DEFAULT "/remote.md.\n"
	"type = local\n"
	"shell = /bin/sh\n"
	"\n"
	"# Extra environment for every test, one NAME = value per line.\n"
	"[provider.env]\n"
	"# EXAMPLE = ${HOME:-/tmp}\n"
	"\n";

static const char template_tail[] =
	"[report]\n"
	"# Where junit.xml and logs/ go.\n"
	"output_dir = test-results\n"
	"junit = true\n"
	"# Relative to output_dir.\n"
	"junit_file = junit.xml\n"
	"\n"
	"[history]\n"
	"# Durations of earlier runs, for scheduling and --shard; default:\n"
	"# history.tsv in output_dir.  Beside this file, it can be committed.\n"
	"# path = offload-history.tsv\n"
	"# Assumed duration of a test never seen before, in a group never seen.\n"
	"default_duration_secs = 1.0\n"
	"# Samples kept per test (of each outcome), and runs of its group after\n"
	"# which a test no longer discovered is forgotten.\n"
	"samples = 5\n"
	"forget_after_runs = 20\n";

int offload_config_template(const char *framework, FILE *out)
{
	const struct framework_ops *fw = framework_find(framework);
	const char *body;

	if (!fw)
		return OFFLOAD_EUSAGE;
	body = fw->template;
	fputs(template_head, out);
	fputs(body, out);
	fputs(template_tail, out);
	if (fflush(out) || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The public handle: load, free, get, set                             */

int offload_config_load(struct offload_config **cfgp, const char *path,
			struct offload_error *err)
{
	struct offload_config *cfg = malloc(sizeof(*cfg));
	int r;

	*cfgp = NULL;
	if (!cfg)
		return err_set(err, OFFLOAD_ENOMEM,
			       "out of memory reading config '%s'", path);
	r = config_load(cfg, path, err);
	if (r) {
		free(cfg);
		return r;
	}
	*cfgp = cfg;
	return 0;
}

void offload_config_free(struct offload_config *cfg)
{
	if (!cfg)
		return;
	config_release(cfg);
	free(cfg);
}

/* Where a key named "SECTION.NAME" lives. */
struct keyref {
	const struct keydef *k;   /* NULL: [provider.env], or "path"/"dir" */
	char *base;               /* the config, or the group */
	const char *name;         /* NAME: after the last '.' */
	const struct offload_env *env;  /* the variable, NULL when unset */
};

static int find_key(const struct offload_config *cfg, const char *key,
		    struct keyref *ref, struct offload_error *err)
{
	const char *dot = strrchr(key, '.');
	const struct keydef *keys = NULL;
	char *section;
	size_t i;

	memset(ref, 0, sizeof(*ref));
	ref->base = (char *)cfg;
	if (!dot) {
		if (!strcmp(key, "path") || !strcmp(key, "dir")) {
			ref->name = key;
			return 0;
		}
		return err_set(err, OFFLOAD_EUSAGE, "unknown key '%s'", key);
	}
	ref->name = dot + 1;
	if (!(section = strndup(key, (size_t)(dot - key))))
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	switch (section_kind(section)) {
	case SEC_OFFLOAD: keys = offload_keys; break;
	case SEC_PROVIDER: keys = provider_keys; break;
	case SEC_FRAMEWORK: keys = framework_keys(); break;
	case SEC_REPORT: keys = report_keys; break;
	case SEC_HISTORY: keys = history_keys; break;
	case SEC_GROUP:
		for (i = 0; i < cfg->groups_nr; i++)
			if (!strcmp(cfg->groups[i].name, section + 6))
				break;
		if (i == cfg->groups_nr) {
			err_set(err, OFFLOAD_EUSAGE, "no group '%s' for key '%s'",
				section + 6, key);
			free(section);
			return OFFLOAD_EUSAGE;
		}
		keys = group_keys;
		ref->base = (char *)&cfg->groups[i];
		break;
	case SEC_ENV:
		for (i = 0; i < cfg->env_nr; i++)
			if (!strcmp(cfg->env[i].name, ref->name)) {
				ref->env = &cfg->env[i];
				break;
			}
		break;
	case SEC_UNKNOWN:
	case SEC_NAMELESS_GROUP:
		break;
	}
	free(section);
	if (keys) {
		for (ref->k = keys; ref->k->name; ref->k++)
			if (!strcmp(ref->k->name, ref->name))
				return 0;
	} else if (dot - key == 12 && !strncmp(key, "provider.env", 12) &&
		   valid_env_name(ref->name)) {
		return 0;
	}
	return err_set(err, OFFLOAD_EUSAGE, "unknown key '%s'", key);
}

/* `d` as offload_config_dump() writes it, as a new string. */
static char *double_str(double d)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	int r;

	if (!f)
		return NULL;
	r = put_double(f, "v", d);
	if (fclose(f) || r || n < 5) {
		free(s);
		return NULL;
	}
	memmove(s, s + 4, n - 4);      /* "v = TEXT\n" */
	s[n - 5] = '\0';
	return s;
}

int offload_config_get(const struct offload_config *cfg, const char *key,
		       char **value, struct offload_error *err)
{
	struct keyref ref;
	const char *str = NULL;
	const char *at;
	char num[32];
	int r;

	*value = NULL;
	err_clear(err);
	if ((r = find_key(cfg, key, &ref, err)))
		return r;
	if (!ref.k) {
		if (ref.env)
			str = ref.env->value;
		else if (!strcmp(key, "path"))
			str = cfg->path;
		else if (!strcmp(key, "dir"))
			str = cfg->dir;
		else
			return 0;       /* a variable [provider.env] does not set */
		goto dup;
	}
	at = ref.base + ref.k->off;
	switch (ref.k->type) {
	case V_STR:
	case V_NONEMPTY:
	case V_PROVIDER:
		str = *(char *const *)at;
		if (!str)
			return 0;
		goto dup;
	case V_UINT0:
	case V_UINT1:
		snprintf(num, sizeof(num), "%u", *(const unsigned *)at);
		str = num;
		goto dup;
	case V_BOOL:
		str = bool_str(*(const int *)at);
		goto dup;
	case V_FRAMEWORK:
		str = (*(const struct framework_ops *const *)at)->name;
		goto dup;
	case V_POSITIVE:
	case V_NONNEG:
		if (!(*value = double_str(*(const double *)at)))
			return err_set(err, OFFLOAD_ENOMEM, "out of memory");
		return 0;
	}
	return 0;
dup:
	if (!(*value = strdup(str)))
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return 0;
}

int offload_config_set(struct offload_config *cfg, const char *key,
		       const char *value, struct offload_error *err)
{
	struct keyref ref;
	struct loader L;
	struct entry e;
	char **str = NULL, *old = NULL;
	int r;

	err_clear(err);
	if ((r = find_key(cfg, key, &ref, err)))
		return r;
	if (!ref.k || ref.k->type == V_PROVIDER || ref.k->type == V_FRAMEWORK)
		return err_set(err, OFFLOAD_EUSAGE,
			       "key '%s' cannot be set after loading", key);
	memset(&L, 0, sizeof(L));
	L.file = cfg->path;
	L.cfg = cfg;
	L.err = err;
	L.cur_section = L.last_key = NONE;
	memset(&e, 0, sizeof(e));
	e.section = NONE;
	e.name = (char *)key;
	if (ref.k->type == V_STR || ref.k->type == V_NONEMPTY) {
		str = (char **)(ref.base + ref.k->off);
		old = *str;
	}
	r = set_value(&L, &e, ref.k, ref.base, value);
	if (str) {
		if (r)
			*str = old;     /* set_value may have stored NULL */
		else
			free(old);
	}
	return r;
}

size_t offload_config_groups_nr(const struct offload_config *cfg)
{
	return cfg->groups_nr;
}

const char *offload_config_group_name(const struct offload_config *cfg,
				      size_t i)
{
	return i < cfg->groups_nr ? cfg->groups[i].name : NULL;
}

size_t offload_config_warnings_nr(const struct offload_config *cfg)
{
	return cfg->warnings_nr;
}

const char *offload_config_warning(const struct offload_config *cfg, size_t i)
{
	return i < cfg->warnings_nr ? cfg->warnings[i] : NULL;
}
