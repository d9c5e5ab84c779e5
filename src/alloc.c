/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - malloc() and friends behind a counter that tests can use to
 * make the n-th allocation fail (see alloc.h).  Costs one atomic
 * increment per call; nothing else changes when no failure is asked for.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"

static atomic_ulong calls;      /* counted since alloc_fail_at() */
static atomic_ulong fail_nth;   /* 0: never fail */
static atomic_int fail_sticky;
static atomic_int interposed;   /* malloc() counts itself (alloc.h) */

/* Count this call; 1 when it must fail (errno set as malloc would). */
int alloc_inject(void)
{
	unsigned long n = atomic_fetch_add(&calls, 1) + 1;
	unsigned long f = atomic_load(&fail_nth);

	if (!f || n < f || (n > f && !atomic_load(&fail_sticky)))
		return 0;
	errno = ENOMEM;
	return 1;
}

/* The alloc_*() below fail only when this says so. */
static int injected(void)
{
	return !atomic_load(&interposed) && alloc_inject();
}

void alloc_interposed(int on)
{
	atomic_store(&interposed, on);
}

void *alloc_malloc(size_t size)
{
	return injected() ? NULL : malloc(size);
}

void *alloc_calloc(size_t nmemb, size_t size)
{
	return injected() ? NULL : calloc(nmemb, size);
}

void *alloc_realloc(void *p, size_t size)
{
	return injected() ? NULL : realloc(p, size);
}

void *alloc_reallocarray(void *p, size_t nmemb, size_t size)
{
	return injected() ? NULL : reallocarray(p, nmemb, size);
}

char *alloc_strdup(const char *s)
{
	return injected() ? NULL : strdup(s);
}

char *alloc_strndup(const char *s, size_t n)
{
	return injected() ? NULL : strndup(s, n);
}

void alloc_fail_at(unsigned long nth, int sticky)
{
	atomic_store(&fail_nth, 0);
	atomic_store(&calls, 0);
	atomic_store(&fail_sticky, sticky);
	atomic_store(&fail_nth, nth);
}

unsigned long alloc_count(void)
{
	return atomic_load(&calls);
}
