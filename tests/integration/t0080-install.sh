#!/bin/sh
# SPDX-License-Identifier: MIT
# t0080-install.sh - what a packager does: `make install DESTDIR=D
# PREFIX=P` after a plain `make` (built for /usr/local) installs every
# piece under D/P with P compiled in: the command, the library (shared
# with its soname links, static), the header, liboffload.pc naming P, the
# Make module, the pytest plugin, the man pages, bash completion and the
# docs; the starter file the installed `offload init` writes names docs
# and man pages that were installed; a C program built with `pkg-config
# --cflags --libs liboffload` (PKG_CONFIG_PATH into D) links and runs;
# `man` finds the pages; `make uninstall` removes it all.  The build under test is not touched: its objects are copied (with
# their times) and only what depends on the prefix is rebuilt.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
# the shared library's minor version, as the Makefile builds it
MINOR=$(sed -n 's/^ABI_MINOR := *//p' "$OFFLOAD_SRC/Makefile")
[ -n "$MINOR" ] || die "no ABI_MINOR in the Makefile"

command -v pkg-config >/dev/null 2>&1 || skip "pkg-config is not installed"
command -v make >/dev/null 2>&1 || skip "make is not installed"
B=${OFFLOAD_BUILD_DIR:?}
for f in obj lib bin share gmk; do
	[ -e "$B/$f" ] || die "no '$B/$f': build first"
done
mkdir build && cp -pR "$B/obj" "$B/lib" "$B/bin" "$B/share" "$B/gmk" build/ ||
	die "cannot copy the build"
for f in liboffload.pc install-dirs; do
	[ ! -e "$B/$f" ] || cp -p "$B/$f" build/ || die "cannot copy '$B/$f'"
done
# the build's sanitizers, for what is rebuilt and for our program
san=
case $(ldd "$OFFLOAD" 2>/dev/null) in
*libasan*) san=address,undefined ;;
*libtsan*) san=thread ;;
esac

P=/opt/offload-t0080
D=$TEST_DIR/dest
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory \
		-C "$OFFLOAD_SRC" O="$TEST_DIR/build" SANITIZE="$san" \
		PREFIX="$P" DESTDIR="$D" "$@" >make.log 2>&1 ||
		fail "make $*: $(tail -n 20 make.log)"
}
mk install

# --- the files -------------------------------------------------------------
(cd "$D" && find . ! -type d | sort) >installed
cat >expected <<EOF2
.$P/bin/offload
.$P/include/offload.h
.$P/lib/liboffload.a
.$P/lib/liboffload.so
.$P/lib/liboffload.so.1
.$P/lib/liboffload.so.1.$MINOR
.$P/lib/offload/offload.mk
.$P/lib/offload/offload.so
.$P/lib/pkgconfig/liboffload.pc
.$P/share/bash-completion/completions/offload
.$P/share/doc/offload/README.md
.$P/share/doc/offload/cli.md
.$P/share/doc/offload/config.md
.$P/share/doc/offload/make.md
.$P/share/man/man1/offload.1
.$P/share/man/man5/offload.ini.5
.$P/share/man/man7/offload-make.7
.$P/share/offload/pytest/offload_pytest_plugin.py
EOF2
missing=$(comm -23 expected installed)
[ -z "$missing" ] || fail "not installed: $missing"
# nothing else, but more docs
extra=$(comm -13 expected installed | grep -v "^\.$P/share/doc/offload/[a-z-]*\.md\$")
[ -z "$extra" ] || fail "installed, but not expected: $extra"
L=$D$P/lib
[ "$(readlink "$L/liboffload.so.1")" = "liboffload.so.1.$MINOR" ] ||
	fail "liboffload.so.1 -> '$(readlink "$L/liboffload.so.1")'"
[ "$(readlink "$L/liboffload.so")" = liboffload.so.1 ] ||
	fail "liboffload.so -> '$(readlink "$L/liboffload.so")'"
[ -x "$D$P/bin/offload" ] || fail "the command is not executable"
cmp -s "$OFFLOAD_SRC/src/cli/offload-completion.bash" \
	"$D$P/share/bash-completion/completions/offload" || fail "completion differs"

# --- P compiled in, not the build's /usr/local ------------------------------
grep -q "^prefix=$P\$" "$L/pkgconfig/liboffload.pc" ||
	fail "liboffload.pc: $(cat "$L/pkgconfig/liboffload.pc")"
grep -q "$P/share/offload" "$D$P/bin/offload" ||
	fail "the installed offload does not look for its pytest plugin in $P/share/offload"
grep -q "$P/bin" "$L/offload/offload.so" ||
	fail "the installed Make module does not look for offload in $P/bin"
# the build under test is as it was
grep -q "$P" "$B/bin/offload" && fail "the build under test was changed"
[ ! -f "$B/liboffload.pc" ] || ! grep -q "$P" "$B/liboffload.pc" ||
	fail "the build under test's liboffload.pc was changed"

# --- the starter file of the installed `offload init` names installed docs --
"$D$P/bin/offload" init -c starter.ini >init.out 2>&1 || fail "init: $(cat init.out)"
grep -o '/[^ ]*\.md' starter.ini | sort -u >docs.named
[ -s docs.named ] || fail "the starter file names no doc: $(head -n 5 starter.ini)"
while read -r f; do
	case $f in
	"$P"/*) [ -f "$D$f" ] || fail "the starter file names $f; make install did not install it" ;;
	*) fail "the starter file names $f, outside the installation prefix $P" ;;
	esac
done <docs.named
sed -n 's/.*`man \([1-9]\) \([^`]*\)`.*/\1 \2/p' starter.ini >man.named
[ -s man.named ] || fail "the starter file names no man page"
while read -r sec page; do
	[ -f "$D$P/share/man/man$sec/$page.$sec" ] ||
		fail "the starter file names man $sec $page; make install did not install it"
done <man.named

# --- a program built with pkg-config ----------------------------------------
cat >prog.c <<'EOF2'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <offload.h>

int main(void)
{
	struct offload_config *cfg = NULL;
	struct offload_error err;
	char *v = NULL;

	memset(&err, 0, sizeof(err));
	if (offload_config_load(&cfg, "offload.ini", &err)) {
		printf("load: %s\n", err.msg);
		return 1;
	}
	if (offload_config_get(cfg, "offload.max_parallel", &v, &err)) {
		printf("get: %s\n", err.msg);
		return 1;
	}
	printf("offload %s, max_parallel %s, %s\n", OFFLOAD_VERSION, v,
	       offload_strerror(OFFLOAD_ENOMEM));
	free(v);
	offload_config_free(cfg);
	return 0;
}
EOF2
printf '[offload]\nmax_parallel = 7\n[framework]\ntype = exec\npaths = t/*\n[group.all]\n' >offload.ini
export PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
flags=$(pkg-config --cflags --libs liboffload) || fail "pkg-config: no liboffload"
case $flags in
*"-I$D$P/include"*"-L$L"* | *"-L$L"*"-I$D$P/include"*) ;;
*) fail "pkg-config --cflags --libs liboffload: '$flags'" ;;
esac
${CC:-cc} ${san:+-fsanitize=$san} -o prog prog.c $flags >cc.log 2>&1 ||
	fail "cannot build against the installed liboffload: $(head -n 20 cc.log)"
LD_LIBRARY_PATH=$L ./prog >prog.out 2>&1 || fail "prog failed: $(cat prog.out)"
grep -q '^offload [0-9.]*, max_parallel 7, ' prog.out || fail "prog printed: $(cat prog.out)"
LD_LIBRARY_PATH=$L ldd ./prog | grep -q "liboffload.so.1 => $L/liboffload.so.1" ||
	fail "prog does not use the installed liboffload.so.1: $(LD_LIBRARY_PATH=$L ldd ./prog)"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# --- man finds the pages ----------------------------------------------------
if command -v man >/dev/null 2>&1; then
	for p in "1 offload" "5 offload.ini" "7 offload-make"; do
		set -- $p
		w=$(man -M "$D$P/share/man" -w "$1" "$2" 2>&1)
		[ "$w" = "$D$P/share/man/man$1/$2.$1" ] || fail "man -w $1 $2: '$w'"
	done
fi

# --- the installed Make module loads and finds the installed command -------
# (a TSan-built module cannot be loaded into make: use_make_module skips)
if [ "$san" != thread ]; then
	use_make_module
	cat >Makefile <<EOF2
include $L/offload/offload.mk
IDS := \$(offload-discover offload.ini)
all: ; @echo "ids: \$(IDS)"
EOF2
	mkdir t && write_test t/one pass
	run_make -f Makefile
	expect_rc 0
	expect_grep '^ids: t/one$' "$OUT"
fi

# --- uninstall ---------------------------------------------------------------
mk uninstall
left=$(cd "$D" && find . ! -type d)
[ -z "$left" ] || fail "left after make uninstall: $left"
say "install and uninstall with DESTDIR and PREFIX: ok"
