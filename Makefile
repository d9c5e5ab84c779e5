# SPDX-License-Identifier: MIT
# offload - one GNU Makefile.  `make` builds, `make check` tests everything,
# `make demo` runs the bundled example, `make help` lists the targets.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/offload
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions

O ?= build
CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
SANITIZE ?=

ifeq ($(V),1)
Q :=
else
Q := @
endif

XML_CFLAGS := $(shell $(PKG_CONFIG) --cflags libxml-2.0 2>/dev/null)
XML_LIBS := $(shell $(PKG_CONFIG) --libs libxml-2.0 2>/dev/null)
INIH_CFLAGS := $(shell $(PKG_CONFIG) --cflags inih 2>/dev/null)
INIH_LIBS := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

SAN_FLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -fPIC \
	-fvisibility=hidden -pthread -Iinclude -iquote src \
	-DOFFLOAD_DATADIR_DEFAULT='"$(DATADIR)/offload"' \
	-DOFFLOAD_DOCDIR_DEFAULT='"$(DOCDIR)"' \
	$(XML_CFLAGS) $(INIH_CFLAGS) $(SAN_FLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS := -pthread $(SAN_FLAGS) $(LDFLAGS)
LIB_LIBS := $(XML_LIBS) $(INIH_LIBS) -ldl -lm

LIB_SRC := $(sort $(wildcard src/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
HELPER_SRC := $(filter-out tests/helpers/signal-on-rename.c,$(sort $(wildcard tests/helpers/*.c)))

LIB_OBJ := $(LIB_SRC:%.c=$(O)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(O)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(O)/tests/helpers/%) \
	$(O)/tests/helpers/signal-on-rename.so $(O)/tests/helpers/gtest-sample
PLUGIN := $(O)/share/offload/pytest/offload_pytest_plugin.py

# liboffload.so's ABI (docs/library.md): the soname is liboffload.so.MAJOR,
# bumped on any incompatible change; MINOR counts releases that only added
# symbols (each in its own node of src/liboffload.map).
ABI_MAJOR := 1
ABI_MINOR := 2
LIB_A := $(O)/lib/liboffload.a
LIB_SONAME := liboffload.so.$(ABI_MAJOR)
LIB_SO := $(O)/lib/$(LIB_SONAME).$(ABI_MINOR)
OFFLOAD := $(O)/bin/offload

.PHONY: all deps check check-build check-plain check-unit check-integration check-valgrind check-asan check-tsan \
	check-make44 check-make44-part check-alloc check-alloc-part \
	demo bench bench-make bench-remote bench-scale install uninstall clean help
.DEFAULT_GOAL := all

all: $(LIB_A) $(LIB_SO) $(OFFLOAD) $(PLUGIN) $(O)/liboffload.pc

# The installation directories compiled into the programs (where the
# pytest plugin and the `offload` command are looked for, the docs that
# `offload init`'s starter file names) and written into liboffload.pc.
# The file changes only when they do, and what depends on it is rebuilt
# then: `make && make install PREFIX=/opt` must not install a binary or a
# .pc that points at /usr/local (git's GIT-CFLAGS).
INSTALL_DIRS := $(O)/install-dirs
$(INSTALL_DIRS): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' 'PREFIX=$(PREFIX)' 'BINDIR=$(BINDIR)' 'LIBDIR=$(LIBDIR)' \
	  'INCLUDEDIR=$(INCLUDEDIR)' 'DATADIR=$(DATADIR)' 'DOCDIR=$(DOCDIR)' >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi
.PHONY: FORCE
FORCE:
$(O)/obj/src/framework.o $(O)/obj/src/config.o $(O)/obj/gmk/offload.o: $(INSTALL_DIRS)

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo '  CC      $<')
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Only the OFFLOAD_API functions leave the library, versioned
# (src/liboffload.map); the soname links are made beside it.
$(LIB_SO): $(LIB_OBJ) src/liboffload.map
	@mkdir -p $(@D)
	@$(if $(Q),echo '  LD      $@')
	$(Q)$(CC) -shared -Wl,-soname,$(LIB_SONAME) \
	  -Wl,--version-script=src/liboffload.map $(ALL_LDFLAGS) -o $@ \
	  $(LIB_OBJ) $(LIB_LIBS)
	$(Q)ln -sf $(@F) $(O)/lib/$(LIB_SONAME)
	$(Q)ln -sf $(LIB_SONAME) $(O)/lib/liboffload.so

$(OFFLOAD): $(CLI_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo '  LD      $@')
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB_A) $(LIB_LIBS) $(LDLIBS)

$(PLUGIN): src/pytest/offload_pytest_plugin.py
	@mkdir -p $(@D)
	$(Q)cp $< $@

# For the installed library: the directories of this make's PREFIX/LIBDIR/
# INCLUDEDIR (rebuilt when they change, see INSTALL_DIRS).
$(O)/liboffload.pc: Makefile $(INSTALL_DIRS)
	@mkdir -p $(@D)
	$(Q)printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: liboffload' 'Description: parallel test runner engine' \
	  'Version: 0.1.0' 'Requires.private: libxml-2.0 inih' \
	  'Libs: -L$${libdir} -loffload' 'Libs.private: -pthread -ldl -lm' \
	  'Cflags: -I$${includedir}' > $@

$(O)/tests/unit/%: tests/unit/%.c $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo '  CC      $@')
	$(Q)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(CMOCKA_LIBS) $(LIB_LIBS)

# test-abi reads the built shared library (and its links).
$(O)/tests/unit/test-abi: | $(LIB_SO)

# A Google Test binary (libgtest-dev), without sanitizers: it is a test
# offload runs, not offload.
$(O)/tests/helpers/gtest-sample: tests/helpers/gtest-sample.cc
	@mkdir -p $(@D)
	$(Q)$(CXX) -O1 -o $@ $< -lgtest_main -lgtest -pthread

# The allocation-failure sweep (docs/testing.md): the library linked with
# `ld --wrap` for every allocator it calls, so that tests/alloc/wrap.c can
# count them and fail the n-th.  An allocating function the library starts
# to call must be added here and in wrap.c (tests/harness.sh alloc checks).
ALLOC_WRAP := malloc calloc realloc reallocarray strdup strndup \
	posix_memalign aligned_alloc fopen opendir __getdelim realpath \
	getcwd glob newlocale open_memstream mkdtemp
ALLOC_SWEEP := $(O)/tests/alloc/sweep

$(ALLOC_SWEEP): tests/alloc/sweep.c tests/alloc/wrap.c tests/alloc/wrap.h $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo '  CC      $@')
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) \
	  $(foreach s,$(ALLOC_WRAP),-Wl,--wrap=$(s)) -o $@ \
	  tests/alloc/sweep.c tests/alloc/wrap.c $(LIB_A) $(LIB_LIBS) $(LDLIBS)

$(O)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# An LD_PRELOAD shim, without sanitizers (it is preloaded into them).
$(O)/tests/helpers/%.so: tests/helpers/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) -shared -fPIC -O2 -Wall -o $@ $< -ldl

# ---- dependencies from Debian -------------------------------------------
DEB_PKGS := gcc g++ make pkg-config libxml2-dev libxml2-utils libinih-dev libgtest-dev \
	libcmocka-dev python3-pytest valgrind groff-base man-db chromium
deps:
	@tests/deps.sh $(DEB_PKGS)

# ---- tests --------------------------------------------------------------
TEST_BUILD := $(UNIT_BIN) $(HELPER_BIN) $(ALLOC_SWEEP) all

check-unit: $(TEST_BUILD)
	@O=$(O) tests/harness.sh unit

check-integration: $(TEST_BUILD)
	@O=$(O) tests/harness.sh integration

check-valgrind: $(TEST_BUILD)
	@O=$(O) tests/harness.sh valgrind

# The whole suite, run through the freshly built Make module (dogfood):
# the plain build's tests, then the ASan+UBSan build's (both run by the
# plain module), the allocation-failure sweep of the ASan build (see
# docs/testing.md), then valgrind, the Make module's scripts under make
# 4.4, a short fuzzing round (tests/fuzz/fuzz.mk), then one closing line.
# The remote-provider scripts (t007N-remote-*) bring the test cluster up
# (tests/cluster/up.sh); it is taken down at the end.
# `check-plain` is the same without the module (tests/harness.sh only),
# for debugging.
check: deps
	@rm -f $(O)/check-results
	@$(MAKE) --no-print-directory O=$(O) SANITIZE= check-build
	@$(MAKE) --no-print-directory O=$(O)/asan SANITIZE=address,undefined check-build
	@O=$(O) RESULTS=$(abspath $(O))/check-results tests/harness.sh dogfood $(O)
	@O=$(O) RESULTS=$(abspath $(O))/check-results tests/harness.sh dogfood $(O)/asan
	@O=$(O)/asan RESULTS=$(abspath $(O))/check-results tests/harness.sh alloc
	@O=$(O) RESULTS=$(abspath $(O))/check-results tests/harness.sh valgrind
	@$(MAKE) --no-print-directory O=$(O) SANITIZE= RESULTS=$(abspath $(O))/check-results check-make44-part
	@$(MAKE) --no-print-directory O=$(O) SANITIZE= RESULTS=$(abspath $(O))/check-results check-fuzz-part
	@tests/cluster/down.sh $(CLUSTER_DIR) >/dev/null 2>&1 || true
	@tests/harness.sh summary $(O)/check-results

check-build: $(TEST_BUILD)

check-plain: deps
	@rm -f $(O)/check-results
	@$(MAKE) --no-print-directory O=$(O) SANITIZE= RESULTS=$(abspath $(O))/check-results check-unit check-integration check-valgrind
	@$(MAKE) --no-print-directory O=$(O)/asan SANITIZE=address,undefined RESULTS=$(abspath $(O))/check-results check-unit check-integration check-alloc-part
	@tests/harness.sh summary $(O)/check-results

check-asan:
	@$(MAKE) --no-print-directory O=$(O)/asan SANITIZE=address,undefined check-unit check-integration

# The allocation-failure sweep on its own, under ASan+LeakSanitizer: every
# k-th n of every scenario, as in `make check` (about a minute);
# ALLOC_SWEEP_FULL=1: every n (about 20 minutes).  See docs/testing.md.
ALLOC_SWEEP_FULL ?= 0
check-alloc: deps
	@rm -f $(O)/alloc-results
	@$(MAKE) --no-print-directory O=$(O)/asan SANITIZE=address,undefined \
	  RESULTS=$(abspath $(O))/alloc-results ALLOC_SWEEP_FULL=$(ALLOC_SWEEP_FULL) check-alloc-part
	@tests/harness.sh summary $(O)/alloc-results

check-alloc-part: $(ALLOC_SWEEP)
	@O=$(O) tests/harness.sh alloc

check-tsan: deps
	@rm -f $(O)/tsan-results
	@$(MAKE) --no-print-directory O=$(O)/tsan SANITIZE=thread RESULTS=$(abspath $(O))/tsan-results check-unit check-integration
	@tests/harness.sh summary $(O)/tsan-results

# The Make module's scripts (tests/integration/t1*.sh) again under GNU make
# 4.4.1, built from Debian's source into $(O)/make44 by tests/make44.sh:
# 4.4's fifo jobserver instead of 4.3's pipe.  A make44.sh failure is
# recorded as a failed part by the harness, not a stop.
MAKE44_DIR := $(O)/make44

check-make44: deps
	@rm -f $(O)/make44-results
	@$(MAKE) --no-print-directory O=$(O) SANITIZE= RESULTS=$(abspath $(O))/make44-results check-make44-part
	@tests/harness.sh summary $(O)/make44-results

check-make44-part: $(HELPER_BIN) all
	@tests/make44.sh $(MAKE44_DIR) </dev/null; \
	  O=$(O) tests/harness.sh make44 $(abspath $(MAKE44_DIR))/make

# ---- the example and the benchmark --------------------------------------
demo: deps all
	@examples/demo/run-demo.sh $(abspath $(OFFLOAD))

# Issue 10's peer benchmark (docs/benchmarks.md "Per-test overhead" and
# "Scheduling"): offload beside xargs, make, parallel, ctest and pytest-xdist,
# which the scripts install from Debian when missing (as root).  One round
# of each, about 12 min (2 + 10) on the 2-core machine; the Make module's
# own benchmark is `make bench-make`.
bench: all
	@tests/bench/overhead.sh $(abspath $(OFFLOAD)) 2000 1
	@tests/bench/schedule.sh $(abspath $(OFFLOAD)) 1 40

# Issue 10 item 5: discovery, planning and merge of 100,000 tests against
# 1 s and 100 MB each (tests/bench/scale.sh; docs/benchmarks.md "Scale").
# Then past one machine: 1,000,000 simulated tests on 10,000 simulated
# sandboxes, the orchestrator's own cost against 1 % of the makespan
# (tests/bench/pull-sim.c).
bench-scale: all $(O)/tests/bench/scale-plan $(O)/tests/bench/pull-sim
	@tests/bench/scale.sh $(abspath $(OFFLOAD)) $(abspath $(O)/tests/bench/scale-plan) $(BENCH_N)
	@$(O)/tests/bench/pull-sim 1000000 10000 exact
	@$(O)/tests/bench/pull-sim 1000000 10000 none

$(O)/tests/bench/scale-plan $(O)/tests/bench/pull-sim: $(O)/tests/bench/%: $(O)/obj/tests/bench/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(LIB_LIBS)

# The Make module beside other recipes, under make 4.3 and 4.4.1.
bench-make: all
	@tests/bench/make-concurrency.sh $(O)
	@tests/make44.sh $(MAKE44_DIR) >/dev/null && \
	  tests/bench/make-concurrency.sh $(O) 3 $(abspath $(MAKE44_DIR))/make

# offload's ssh and slurm providers on the test cluster against GNU parallel
# -S and a raw salloc/scancel loop (docs/benchmarks.md).  Brings the cluster
# up (a no-op when it is up; never takes it down: others may be using it).
bench-remote: all
	@rc=0; tests/cluster/up.sh $(CLUSTER_DIR) >$(O)/cluster-up.log 2>&1 || rc=$$?; \
	  if [ $$rc = 77 ]; then \
	    echo "bench-remote: SKIPPED, no test cluster here: $$(tail -n 1 $(O)/cluster-up.log)"; \
	  elif [ $$rc != 0 ]; then \
	    tail -n 20 $(O)/cluster-up.log; exit $$rc; \
	  else \
	    tests/bench/remote.sh $(CLUSTER_DIR) $(OFFLOAD) $(BENCH_ROUNDS); \
	  fi

# Real third-party suites (tests/realsuites/*.sh, docs/testing.md): each
# installs what it needs from Debian and compares offload's per-test
# outcomes with the suite's own serial run.  Minutes, not in `make check`.
# REALSUITES="networkx leveldb" picks some.
.PHONY: realsuites
realsuites: all
	@OFFLOAD=$(abspath $(OFFLOAD)) OFFLOAD_SRC=$(abspath .) sh tests/realsuites/lib/run-all.sh

# ---- the test cluster: 3 SSH hosts + 3 Slurm nodes (docs/remote.md) ------
CLUSTER_DIR ?= /tmp/offload-cluster
.PHONY: cluster-up cluster-down cluster-check
cluster-up:
	@tests/cluster/up.sh $(CLUSTER_DIR)
cluster-down:
	@tests/cluster/down.sh $(CLUSTER_DIR)
cluster-check:
	@tests/cluster/check.sh $(CLUSTER_DIR)

# ---- installation -------------------------------------------------------
# What a package holds (tests/integration/t0080-install.sh checks it): the
# command, the library (shared, with its links, and static), the header,
# liboffload.pc, the Make module (gmk/gmk.mk), the pytest plugin, the man
# pages, bash completion, and the docs that the man pages and the starter
# configuration of `offload init` refer to.  DESTDIR only here.
MAN_PAGES := docs/man/offload.1 docs/man/offload.ini.5 docs/man/offload-make.7
DOCS := README.md $(sort $(wildcard docs/*.md))
COMPLETION := src/cli/offload-completion.bash

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(DATADIR)/offload/pytest \
	  $(addprefix $(DESTDIR)$(MANDIR)/man,$(sort $(subst .,,$(suffix $(MAN_PAGES))))) \
	  $(DESTDIR)$(DOCDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(OFFLOAD) $(DESTDIR)$(BINDIR)/offload
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/liboffload.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO))
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/liboffload.so
	install -m 644 include/offload.h $(DESTDIR)$(INCLUDEDIR)/offload.h
	install -m 644 $(O)/liboffload.pc $(DESTDIR)$(PKGCONFIGDIR)/liboffload.pc
	install -m 644 $(PLUGIN) $(DESTDIR)$(DATADIR)/offload/pytest/
	for p in $(MAN_PAGES); do \
	  install -m 644 $$p $(DESTDIR)$(MANDIR)/man$${p##*.}/ || exit; \
	done
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/offload

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/offload $(DESTDIR)$(LIBDIR)/liboffload.a \
	  $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
	  $(DESTDIR)$(LIBDIR)/liboffload.so \
	  $(DESTDIR)$(INCLUDEDIR)/offload.h $(DESTDIR)$(PKGCONFIGDIR)/liboffload.pc \
	  $(DESTDIR)$(DATADIR)/offload/pytest/offload_pytest_plugin.py \
	  $(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p))) \
	  $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS))) \
	  $(DESTDIR)$(BASHCOMPDIR)/offload
	-rmdir $(DESTDIR)$(DATADIR)/offload/pytest $(DESTDIR)$(DATADIR)/offload $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(O) test-results examples/*/test-results examples/*/build

help:
	@echo 'targets: all deps check check-plain check-unit check-integration check-valgrind check-asan check-tsan check-make44 check-alloc fuzz fuzz-smoke demo bench bench-make bench-remote bench-scale install uninstall clean'
	@echo 'variables: O=DIR (build dir, default build) V=1 SANITIZE=address,undefined FUZZ_SECONDS=60 PREFIX DESTDIR (and BINDIR LIBDIR INCLUDEDIR DATADIR MANDIR DOCDIR PKGCONFIGDIR BASHCOMPDIR)'

include gmk/gmk.mk
include tests/fuzz/fuzz.mk

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
