#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/make44.sh DIR - build GNU make 4.4.1 into DIR/make, so that the
# Make module's scripts can run under it (`make check-make44`).  Debian 12
# ships make 4.3; 4.4's real difference for the module is its default
# jobserver, a named fifo (--jobserver-auth=fifo:PATH).
#
# The source is Debian trixie's make-dfsg package, fetched with
# `apt-get source` from the Debian mirror this machine's apt already uses,
# through a private sources list and private list/cache directories: the
# system's apt configuration and state are left as they were.  Debian's
# tarball lacks doc/ while its configure still names doc/Makefile, so give
# it an empty one; build.sh then builds make without automake or install.
# A no-op when DIR/make already reports 4.4.x.  Needs dpkg-dev (installed
# through tests/deps.sh) and a C compiler.
set -eu

dir=${1:?usage: make44.sh DIR}
PKG=make-dfsg
SUITE=trixie
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

is44() {
	[ -x "$1" ] && "$1" --version 2>/dev/null | head -n 1 | grep -q '^GNU Make 4\.4\(\.\|$\)'
}

die() {
	printf 'make44: %s\n' "$*" >&2
	exit 1
}

mkdir -p "$dir" || die "cannot create '$dir'"
dir=$(cd "$dir" && pwd)
is44 "$dir/make" && exit 0

root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tests/deps.sh" dpkg-dev </dev/null ||
	die "dpkg-dev is needed to unpack Debian's source package"

# The Debian archive apt uses: the first URI listed for this release's
# own suite (bookworm, not bookworm-security, not a third-party repo), in
# the one-line or the deb822 format.  MAKE44_MIRROR overrides it.
mirror_of_apt() {
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || return 0
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case $f in
		*.sources)
			# Stanzas are separated by blank lines.
			awk -v c="$codename" '
				/^[ \t]*#/ { next }
				/^[ \t]*$/ { if (ok && uri != "") { print uri; found = 1; exit } ok = 0; uri = ""; next }
				tolower($1) == "uris:" { uri = $2 }
				tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == c) ok = 1 }
				END { if (!found && ok && uri != "") print uri }' "$f"
			;;
		*)
			# deb [options] URI SUITE COMPONENT...
			sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
				awk -v c="$codename" '($1 == "deb" || $1 == "deb-src") && $3 == c { print $2 }'
			;;
		esac
	done | head -n 1
}

mirror=${MAKE44_MIRROR:-$(mirror_of_apt)}
[ -n "$mirror" ] ||
	die "no Debian mirror found in /etc/apt/sources.list*; set MAKE44_MIRROR=http://.../debian"

work=$dir/work
rm -rf "$work"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
signed=
[ -f "$KEYRING" ] && signed="Signed-By: $KEYRING"
cat >"$work/sources.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: $SUITE
Components: main
$signed
EOF

apt_priv() {
	sandbox=
	[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
	apt-get -q -o Dir::Etc::SourceList="$work/sources.sources" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$work/lists" \
		-o Dir::Cache="$work/cache" $sandbox "$@" </dev/null
}

log=$work/log
echo "make44: fetching $PKG from $mirror $SUITE (deb-src)"
if ! apt_priv update >"$log" 2>&1 ||
	! (cd "$work/src" && apt_priv source --only-source "$PKG") >>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "cannot get the $SUITE source package '$PKG' from $mirror (log: $log)"
fi
src=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name "$PKG-*" | head -n 1)
[ -n "$src" ] && [ -f "$src/build.sh" ] || die "no unpacked '$PKG' source in '$work/src'"

echo "make44: building $(basename "$src")"
mkdir -p "$src/doc"
[ -f "$src/doc/Makefile.in" ] || : >"$src/doc/Makefile.in"
# The calling make's flags and the project's CFLAGS are not for this build.
if ! (cd "$src" &&
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CPPFLAGS -u LDFLAGS -u LIBS \
		CC="${MAKE44_CC:-cc}" CFLAGS="-O2 -g" \
		sh -c './configure --disable-nls --without-guile --disable-dependency-tracking && ./build.sh') \
	>>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "building '$src' failed (log: $log)"
fi
is44 "$src/make" || die "'$src/make' is not GNU make 4.4: $("$src/make" --version 2>&1 | head -n 1)"
cp "$src/make" "$dir/make.tmp" && mv -f "$dir/make.tmp" "$dir/make"
rm -rf "$work"
echo "make44: $("$dir/make" --version | head -n 1) in $dir/make"
