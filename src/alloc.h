/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the library's allocator: one place that allocations go
 * through, so that tests can make them fail (curl's torture tests, libuv's
 * uv_replace_allocator).  Today the orchestrator's result path (attempts
 * and warnings, orch.c) uses it; moving a module over means calling these
 * instead of malloc() and friends, after which the failure sweep covers
 * it too.  What they return is freed with free().
 *
 * Every call is counted.  alloc_fail_at(n, sticky) makes the n-th call
 * counted after it fail (and with `sticky`, every later one too, as curl's
 * torture mode does); a sweep runs a scenario once to learn alloc_count(),
 * then once for each n up to it, and checks for a clear OFFLOAD_ENOMEM, no
 * crash and no leak.  Thread-safe: the counters are atomic, so with
 * several threads allocating, which call is the n-th depends on timing.
 *
 * The library-wide sweep (tests/alloc, docs/testing.md) does not need the
 * modules to call these: it links the library with `ld --wrap=malloc` and
 * friends, and its __wrap_malloc() asks alloc_inject() whether to fail.
 * It calls alloc_interposed(1) first, after which alloc_malloc() & co
 * leave the counting to the malloc() they call, so that no allocation is
 * counted twice.
 */
#ifndef OFFLOAD_ALLOC_H
#define OFFLOAD_ALLOC_H
#include <stddef.h>

void *alloc_malloc(size_t size);
void *alloc_calloc(size_t nmemb, size_t size);
void *alloc_realloc(void *p, size_t size);
void *alloc_reallocarray(void *p, size_t nmemb, size_t size);
char *alloc_strdup(const char *s);
char *alloc_strndup(const char *s, size_t n);

/*
 * Test hook: restart counting, and make the `nth` call from now fail
 * (1: the next one; 0: none), every later one too when `sticky`.
 */
void alloc_fail_at(unsigned long nth, int sticky);

/* Calls counted since the last alloc_fail_at() (or since the start). */
unsigned long alloc_count(void);

/*
 * Count one allocation; 1 when it must fail (errno is then ENOMEM).  For
 * interposed allocators (the sweep's __wrap_malloc, libxml2's hooks).
 */
int alloc_inject(void);

/* With `on`, alloc_malloc() & co do not count: malloc() itself is
 * interposed and counts (tests/alloc/wrap.c).  Call before allocating. */
void alloc_interposed(int on);

#endif
