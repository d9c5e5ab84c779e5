/* SPDX-License-Identifier: MIT */
/* error.c - error codes and their names, and struct offload_error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "error.h"

const char *offload_strerror(int code)
{
	switch (code) {
#define OFFLOAD_STR_(name, msg) case OFFLOAD_E##name: return msg;
		OFFLOAD_ERRNO_MAP(OFFLOAD_STR_)
#undef OFFLOAD_STR_
	case 0:
		return "success";
	}
	if (code < 0 && code > -4000)
		return strerror(-code);
	return "unknown error";
}

int err_set(struct offload_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct offload_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
