# SPDX-License-Identifier: MIT
# gmk/gmk.mk - rules for the GNU Make module, included by the top-level
# Makefile (which defines O, ALL_CFLAGS, LIB_OBJ, LIB_LIBS...).
