# SPDX-License-Identifier: MIT
# gmk/gmk.mk - rules for the GNU Make module, included by the top-level
# Makefile (which defines O, ALL_CFLAGS, LIB_A, LIB_LIBS...).  The module
# holds its own copy of liboffload (the static archive); a version script
# keeps everything but make's entry points hidden.

GMK_SO := $(O)/gmk/offload.so
GMK_MK := $(O)/gmk/offload.mk
GMK_OBJ := $(O)/obj/gmk/offload.o $(O)/obj/gmk/cache.o

.PHONY: gmk install-gmk uninstall-gmk

gmk: $(GMK_SO) $(GMK_MK)
all: $(GMK_SO) $(GMK_MK)

# Beside the module, so that it loads the module it sits with.
$(GMK_MK): gmk/offload.mk
	@mkdir -p $(@D)
	$(Q)cp $< $@

# -z nodelete: make after 4.4.1 may dlclose a loaded module before it
# rebuilds it, while it still holds the function pointers we registered.
$(GMK_SO): $(GMK_OBJ) $(LIB_A) gmk/offload.map
	@mkdir -p $(@D)
	@$(if $(Q),echo '  LD      $@')
	$(Q)$(CC) -shared $(ALL_LDFLAGS) -Wl,--version-script=gmk/offload.map \
	  -Wl,-z,nodelete -o $@ $(GMK_OBJ) $(LIB_A) $(LIB_LIBS) $(LDLIBS)

install: install-gmk
install-gmk: $(GMK_SO) $(GMK_MK)
	install -d $(DESTDIR)$(LIBDIR)/offload
	install -m 755 $(GMK_SO) $(DESTDIR)$(LIBDIR)/offload/offload.so
	install -m 644 $(GMK_MK) $(DESTDIR)$(LIBDIR)/offload/offload.mk

uninstall: uninstall-gmk
uninstall-gmk:
	rm -f $(DESTDIR)$(LIBDIR)/offload/offload.so $(DESTDIR)$(LIBDIR)/offload/offload.mk
	-rmdir $(DESTDIR)$(LIBDIR)/offload

# The module finds the `offload` command beside it, else in this build
# tree, else in BINDIR.
$(O)/obj/gmk/offload.o: ALL_CFLAGS += -DOFFLOAD_BINDIR_DEFAULT='"$(BINDIR)"' \
	-DOFFLOAD_BUILD_BINDIR='"$(abspath $(O))/bin"'

-include $(GMK_OBJ:.o=.d)
