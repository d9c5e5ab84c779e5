/* SPDX-License-Identifier: MIT */
/*
 * wrap.h - the sweep build's allocators (wrap.c): the library is linked
 * with `ld --wrap=malloc,...` (see the Makefile), so that every call it
 * makes to malloc() and friends, and to the glibc functions that allocate
 * inside (fopen, getline, realpath(p, NULL)...), comes here.  A call is
 * counted, and may fail, only while the sweep is armed: the test
 * program's own allocations outside the code under test do not count.
 */
#ifndef OFFLOAD_SWEEP_WRAP_H
#define OFFLOAD_SWEEP_WRAP_H
#include <stddef.h>

/* Route libxml2's allocations through the same counter (xmlMemSetup),
 * make alloc_*() leave the counting to malloc(), and disarm in forked
 * children.  Call first, before anything allocates. */
void wrap_setup(void);

/* Fail the `nth` counted call from now (0: none; every later one with
 * `sticky`), and start counting. */
void wrap_arm(unsigned long nth, int sticky);

/* Stop counting; returns the calls counted since wrap_arm(). */
unsigned long wrap_disarm(void);

/* Count again after wrap_disarm(), from where it stopped. */
void wrap_resume(void);

/* Failures injected since wrap_arm(). */
unsigned long wrap_hits(void);

/* Print the stack of the first injected failure to `fd`. */
void wrap_print_failure(int fd);

/* Where the first injected failure happened, as "function file:line" of
 * the innermost frame in the library's sources (src/), or "?" when not
 * known (only the ASan build can symbolize). */
void wrap_failure_site(char *buf, size_t size);

/* Directories mkdtemp() made while armed that still exist: printed to
 * `fd`, and counted. */
int wrap_temp_left(int fd);

#endif
