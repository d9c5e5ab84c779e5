# SPDX-License-Identifier: MIT
# tests/fuzz/fuzz.mk - libFuzzer targets, included by the top-level
# Makefile (which defines O, Q, LIB_LIBS, XML_CFLAGS...).  See docs/fuzzing.md.
#
#   make fuzz                every target for FUZZ_SECONDS (default 60) each
#   make fuzz-smoke          every target for FUZZ_SMOKE_SECONDS (10) each
#   make fuzz-build          build them only
#
# The targets and a copy of liboffload built with clang and
# -fsanitize=fuzzer,address,undefined live in $(O)/fuzz (a separate
# sub-make with O=$(O)/fuzz: the normal build is untouched).  Working
# corpora and crash files go to $(O)/fuzz/work; tests/fuzz/run.sh runs one
# target.  `make check` runs the smoke round as one part (check-fuzz-part):
# one result per target, skipped when clang cannot be installed.

FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -O1 -g
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_DEB_PKGS := clang libclang-rt-14-dev
FUZZ_O := $(O)/fuzz
FUZZ_SAN := -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_O)/tests/fuzz/%)
FUZZ_LIB := $(FUZZ_O)/lib/liboffload.a
FUZZ_ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	-Wmissing-prototypes -pthread -Iinclude -iquote src -iquote tests/fuzz \
	$(XML_CFLAGS) -fsanitize=fuzzer,address,undefined $(FUZZ_SAN) $(FUZZ_CFLAGS)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-deps check-fuzz-part FORCE

FORCE:

fuzz-deps:
	@tests/deps.sh $(FUZZ_DEB_PKGS)

fuzz-build: $(FUZZ_BIN)

# The library's own rules, run again with clang and the fuzzer's
# instrumentation (fuzzer-no-link: libFuzzer's main only in the targets).
$(FUZZ_LIB): FORCE
	@$(MAKE) --no-print-directory O=$(FUZZ_O) CC=$(FUZZ_CC) \
	  CFLAGS='$(FUZZ_CFLAGS)' SANITIZE=fuzzer-no-link,address,undefined $@

$(FUZZ_O)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo '  FUZZ    $@')
	$(Q)$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -o $@ $< $(FUZZ_LIB) $(LIB_LIBS)

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory fuzz-build
	@rm -f $(FUZZ_O)/results
	@O=$(O) RESULTS=$(abspath $(FUZZ_O))/results tests/harness.sh fuzz \
	  $(FUZZ_O) $(FUZZ_SECONDS)
	@tests/harness.sh summary $(FUZZ_O)/results

fuzz-smoke:
	@$(MAKE) --no-print-directory FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) fuzz

# For `make check`: counts go to the caller's RESULTS.  No clang (not
# installable here) makes every target a skip; a failed build with clang
# present makes every target a failure.
check-fuzz-part:
	@if ! tests/deps.sh $(FUZZ_DEB_PKGS) </dev/null; then \
	  O=$(O) FUZZ_SKIP='clang or libclang-rt-14-dev not installable' \
	    tests/harness.sh fuzz $(FUZZ_O) $(FUZZ_SMOKE_SECONDS); \
	elif ! $(MAKE) --no-print-directory fuzz-build; then \
	  O=$(O) FUZZ_FAIL='the fuzz targets do not build' \
	    tests/harness.sh fuzz $(FUZZ_O) $(FUZZ_SMOKE_SECONDS); \
	else \
	  O=$(O) tests/harness.sh fuzz $(FUZZ_O) $(FUZZ_SMOKE_SECONDS); \
	fi
