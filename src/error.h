/* SPDX-License-Identifier: MIT */
/* error.h - filling struct offload_error (error.c). */
#ifndef OFFLOAD_ERROR_H
#define OFFLOAD_ERROR_H
#include "offload.h"

/*
 * Set err->code and err->msg (printf format) and return `code`, so that
 * callers can write `return err_set(err, OFFLOAD_ECONFIG, "...", ...)`.
 * `err` may be NULL.  Messages are lower-case without a full stop.
 */
int err_set(struct offload_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear err (code 0, empty message).  `err` may be NULL. */
void err_clear(struct offload_error *err);

#endif
