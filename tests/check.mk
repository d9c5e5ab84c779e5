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

include $(RUNNER)/gmk/offload.mk

# The configurations expand ${OFFLOAD_TESTED} and ${OFFLOAD_SRC}, set by
# the caller (tests/harness.sh dogfood).  (Under make -j2 the two parts
# would run at once, sharing make's two slots; the suite runs them one
# after the other: t1008's interrupts were not reliable beside the rest
# under ASan on a loaded 2-core machine.)
.PHONY: unit integration
unit integration:
	$(offload-run $(OFFLOAD_SRC)/tests/$@.ini,,junit=$(TESTED)/test-results/$@.xml)
