#!/bin/sh
# SPDX-License-Identifier: MIT
# t1010-make-newer-abi.sh - the module also compiles against the loadable
# API of make after 4.4.1, where gnumake.h defines GMK_ABI_VERSION, the
# setup function takes the ABI number first and an unload hook exists.
# No such make is installed here, so this checks the build only: a
# gnumake.h with that interface's declarations, written below.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

command -v cc >/dev/null 2>&1 || skip "no C compiler"
mkdir newer
cat >newer/gnumake.h <<'EOF2'
#ifndef GNUMAKE_H_TEST
#define GNUMAKE_H_TEST
#define GMK_ABI_VERSION 1
typedef struct { const char *filenm; unsigned long lineno; } gmk_floc;
typedef char *(*gmk_func_ptr)(const char *nm, unsigned int argc, char **argv);
void gmk_free(char *str);
char *gmk_alloc(unsigned int len);
void gmk_eval(const char *buffer, const gmk_floc *floc);
char *gmk_expand(const char *str);
void gmk_add_function(const char *name, gmk_func_ptr func,
		      unsigned int min_args, unsigned int max_args,
		      unsigned int flags);
#define GMK_FUNC_DEFAULT 0x00
#define GMK_FUNC_NOEXPAND 0x01
#endif
EOF2
# The prototypes make will call, forced in first: a definition in the
# module that disagrees with them is a compile error.
cat >newer/proto.h <<'EOF2'
#include "gnumake.h"
int offload_gmk_setup(unsigned int abi, const gmk_floc *floc);
void offload_gmk_unload(void);
EOF2
cc -std=c11 -D_GNU_SOURCE -Wall -Werror -fPIC -Inewer -include newer/proto.h \
	-I"$OFFLOAD_SRC/include" -iquote "$OFFLOAD_SRC/src" \
	$(pkg-config --cflags libxml-2.0) \
	-c "$OFFLOAD_SRC/gmk/offload.c" -o newer/offload.o 2>newer/cc.log ||
	fail "gmk/offload.c does not build against the newer ABI: $(cat newer/cc.log)"
syms=$(nm newer/offload.o | awk '$2 == "T" { print $3 }' | sort | tr '\n' ' ')
case $syms in
*offload_gmk_setup*offload_gmk_unload*|*offload_gmk_unload*offload_gmk_setup*) ;;
*) fail "newer-ABI build lacks setup or unload: $syms" ;;
esac
