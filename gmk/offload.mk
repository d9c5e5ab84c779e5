# SPDX-License-Identifier: MIT
# offload.mk - include this file to use offload's GNU Make module:
#
#     include /usr/local/lib/offload/offload.mk
#
# It loads offload.so from its own directory (or $(OFFLOAD_GMK) when set)
# and stops make with a clear error when the module cannot be loaded.
# Without the module, make takes $(offload-run ...) for a variable with a
# strange name and expands it to nothing: the recipe would "pass" without
# running a test.  See docs/make.md.
ifndef OFFLOAD_MK_INCLUDED
OFFLOAD_MK_INCLUDED := 1
OFFLOAD_GMK ?= $(dir $(realpath $(lastword $(MAKEFILE_LIST))))offload.so
-load $(OFFLOAD_GMK)
ifeq ($(filter %offload.so,$(.LOADED)),)
$(error offload: cannot load the GNU Make module '$(OFFLOAD_GMK)' (build it with 'make gmk', or set OFFLOAD_GMK); without it $$(offload-run ...) would run nothing)
endif
endif
