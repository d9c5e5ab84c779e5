/* SPDX-License-Identifier: MIT */
/* report.h - turning attempts into verdicts and counts (report.c). */
#ifndef OFFLOAD_REPORT_H
#define OFFLOAD_REPORT_H
#include "offload.h"

/*
 * The verdict of a test from its attempts: any pass => PASSED, or FLAKY
 * when another attempt failed or errored; only skips => SKIPPED; otherwise
 * FAILED; no attempt at all => NOT_RUN.
 */
enum offload_verdict verdict_of(const struct offload_attempt *a, size_t nr);

/* Recount rep->passed, failed, flaky, skipped and not_run. */
void report_count(struct offload_report *rep);

/* Free what one result holds. */
void result_release(struct offload_result *r);

#endif
