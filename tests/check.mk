# SPDX-License-Identifier: MIT
# tests/check.mk - the project's own tests, run through the freshly built
# GNU Make module (dogfood).  `make check` runs it as a sub-make:
#   OFFLOAD_TESTED=/abs/build[/asan] OFFLOAD_SRC=/abs/repo \
#     make -f tests/check.mk RUNNER=/abs/build unit integration
# RUNNER holds the module that runs the tests; TESTED holds the binaries
# under test (the plain build, or the ASan one).  Each target writes
# $(TESTED)/test-results/<part>.xml.  The plain path without the module is
# `make check-plain` (tests/harness.sh).
RUNNER ?= $(abspath build)
TESTED := $(OFFLOAD_TESTED)
OFFLOAD_SRC ?= $(abspath .)

load $(RUNNER)/gmk/offload.so

# The configurations expand ${OFFLOAD_TESTED} and ${OFFLOAD_SRC}: they are
# read inside make, from make's own environment, so the caller sets them
# (tests/harness.sh dogfood); exported make variables would not reach it.
.PHONY: unit integration
unit integration:
	$(offload-run $(OFFLOAD_SRC)/tests/$@.ini,,junit=$(TESTED)/test-results/$@.xml)
