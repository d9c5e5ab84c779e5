/* SPDX-License-Identifier: MIT */
/* cache.h - the discovery cache of $(offload-discover ...) (cache.c). */
#ifndef OFFLOAD_GMK_CACHE_H
#define OFFLOAD_GMK_CACHE_H
#include <stddef.h>
#include <offload.h>

/* The key of discovering `group` (NULL: all) of `cfg` now, as 32 hex
 * digits in out; -1 when it cannot be had cheaply (too many inputs, no
 * memory): then discover without the cache. */
int discover_cache_key(const struct offload_config *cfg, const char *group,
		       char out[33]);

/* Where that discovery's words are kept (caller frees), NULL on ENOMEM;
 * the directories above it are created. */
char *discover_cache_path(const struct offload_config *cfg, const char *group);

/* The words kept at `path` under `key` (caller frees; length in *len), or
 * NULL: none, another key, or a damaged file. */
char *discover_cache_read(const char *path, const char *key, size_t *len);

/* Keep `words` at `path` under `key`, atomically; failures are silent
 * (the next make discovers again). */
void discover_cache_write(const char *path, const char *key,
			  const char *words, size_t len);

#endif
