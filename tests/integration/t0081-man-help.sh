#!/bin/sh
# SPDX-License-Identifier: MIT
# t0081-man-help.sh - the man pages agree with the command: offload(1) has
# a section for every command of `offload --help`, and each section's
# options (its .TP tags) are the options `offload help COMMAND` lists,
# each accepted by the command; offload.ini(5) has every key `offload
# validate` prints; the pages render without a groff warning; bash
# completion completes what the help lists.
#
# Nothing here names an option: a new option in a command's help fails
# this test until the man page has a .TP item for it (and the other way
# round), with a message that says which.  The help is read by the bash
# completion's own parser (_offload_option_table), so completion
# follows the help too.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

MAN=$OFFLOAD_SRC/docs/man
COMP=$OFFLOAD_SRC/src/cli/offload-completion.bash
command -v bash >/dev/null 2>&1 || skip "bash is not installed"
command -v groff >/dev/null 2>&1 || skip "groff is not installed (Debian package groff-base)"

# The completion's parsers, run by bash against our binary.
comp() {
	bash -c '. "$1"; _offload_bin=$2; shift 2; "$@"' sh "$COMP" "$OFFLOAD" "$@"
}

# man_tags SECTION: the options defined in offload.1's section SECTION
# (an .SS title such as "offload run", or OPTIONS for the .SH): one line
# per .TP/.TQ tag, its option names separated by blanks.
man_tags() {
	awk -v want="$1" '
	/^\.S[HS] / {
		t = $0; sub(/^\.S[HS] +/, "", t); gsub(/"/, "", t); gsub(/\\-/, "-", t)
		insec = (t == want); next
	}
	!insec { next }
	/^\.T[PQ]/ { tag = 1; next }
	tag {
		tag = 0; l = $0; gsub(/\\-/, "-", l); gsub(/\\f[BIRP]/, " ", l)
		out = ""
		while (match(l, /(^|[ "])--?[A-Za-z][A-Za-z-]*/)) {
			o = substr(l, RSTART, RLENGTH); sub(/^[ "]/, "", o)
			out = out (out == "" ? "" : " ") o
			l = substr(l, RSTART + RLENGTH)
		}
		if (out != "") print out
	}' "$MAN/offload.1"
}

# --- the commands --------------------------------------------------------
comp _offload_commands >commands || fail "cannot list the commands"
[ -s commands ] || fail "no command found in 'offload --help'"
sed -n 's/^\.SS \(offload \)\{0,1\}//p' "$MAN/offload.1" | sed 's/\\-/-/g; s/"//g; s/^offload //' |
	sort >man-commands
sort commands >help-commands
cmp -s help-commands man-commands ||
	fail "the commands of 'offload --help' and the .SS sections of offload.1 differ:
$(diff help-commands man-commands)"

# --- each command's options, both ways ------------------------------------
bad=
check_options() {	# SECTION COMMAND ('' for offload itself)
	comp _offload_option_table "$2" | cut -d' ' -f1 >help-opts ||
		fail "cannot read the options of 'offload help $2'"
	man_tags "$1" >man-opts
	[ -s man-opts ] || bad="$bad
offload.1 section '$1' defines no option (.TP items)"
	# every option of the help is a tag of the man page's section;
	# every tag names an option the help lists (a -h/--help tag needs
	# not be listed: every command's --help is checked below)
	bad="$bad$(awk -v sec="$1" -v cmd="$2" '
		NR == FNR { help[$1] = 1; next }
		{ any = 0
		  for (i = 1; i <= NF; i++) { man[$i] = 1; if ($i in help) any = 1 }
		  if (!any && $NF != "--help")
			printf "\noffload.1 section \047%s\047 documents %s; \047offload help %s\047 does not list it", sec, $0, cmd }
		END { for (o in help) if (!(o in man))
			printf "\n\047offload help %s\047 lists %s; offload.1 section \047%s\047 has no .TP item for it", cmd, o, sec }
	' help-opts man-opts)"
	while read -r tag; do
		case " $tag " in *" --help "*) continue ;; esac
		# the command accepts the tag's last (long) name: with an
		# argument, in case it takes one, in an empty directory (no
		# configuration: nothing runs)
		[ -n "$2" ] || continue
		o=${tag##* }
		mkdir -p accept && (cd accept && timeout 10 "$OFFLOAD" "$2" "$o" x \
			</dev/null >../accept.out 2>../accept.err)
		! grep -q 'unrecognized option\|invalid option' accept.err ||
			bad="$bad
offload.1 section '$1' documents $o; 'offload $2' does not accept it: $(head -n 1 accept.err)"
	done <man-opts
}
check_options OPTIONS ""
while read -r c; do
	check_options "offload $c" "$c"
	run_offload "$c" --help
	[ "$rc" = 0 ] && grep -q "^usage: offload $c" "$OUT" ||
		bad="$bad
'offload $c --help' (exit $rc) does not print $c's usage"
done <commands
[ -z "$bad" ] || fail "offload.1 and the help disagree:$bad"

# --- offload.ini(5): every key validate prints ----------------------------
keys() {	# the keys of an `offload validate` output, outside [provider.env]
	awk '/^\[/ { env = ($0 == "[provider.env]"); next }
	     !env && /^[a-z_]+ = / { print $1 }' "$1"
}
: >all-keys
for fw in $(comp _offload_option_arg init --framework | tr '|' ' '); do
	"$OFFLOAD" init -c "$fw.ini" --framework "$fw" >/dev/null ||
		fail "offload init --framework $fw failed"
	"$OFFLOAD" validate -c "$fw.ini" >"$fw.out" 2>/dev/null ||
		fail "offload validate of the $fw template failed"
	keys "$fw.out" >>all-keys
done
# the remote providers' keys
cat >remote.ini <<'INI'
[provider]
type = command
create_command = true
exec_command = true
download_command = true
[framework]
type = exec
paths = t/*
[group.all]
INI
"$OFFLOAD" validate -c remote.ini >remote.out 2>&1 || fail "validate of remote.ini: $(cat remote.out)"
keys remote.out >>all-keys
[ "$(sort -u all-keys | wc -l)" -gt 20 ] || fail "too few keys found: $(sort -u all-keys | tr '\n' ' ')"
for k in $(sort -u all-keys); do
	awk -v k="$k" '/^\.T[PQ]/ { tag = 1; next }
		tag { tag = 0; if ($0 == ".B " k) found = 1 }
		END { exit !found }' "$MAN/offload.ini.5" ||
		bad="$bad $k"
done
[ -z "$bad" ] || fail "offload.ini(5) has no .TP item '.B KEY' for:$bad"

# --- the pages render without warnings ------------------------------------
for p in "$MAN"/offload.1 "$MAN"/offload.ini.5 "$MAN"/offload-make.7; do
	groff -man -ww -z "$p" >groff.err 2>&1
	[ ! -s groff.err ] || fail "groff warns about $(basename "$p"): $(head -n 5 groff.err)"
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man --warnings -l "$p" >man.out 2>man.err ||
			fail "man -l $(basename "$p") failed: $(head -n 5 man.err)"
		[ ! -s man.err ] || fail "man -l $(basename "$p") warns: $(head -n 5 man.err)"
		grep -q 'NAME' man.out || fail "man -l $(basename "$p") rendered no NAME section"
	fi
done

# --- bash completion: what the help lists ---------------------------------
complete_words() {	# WORD...: the completions of the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _offload
		printf "%s\n" "${COMPREPLY[@]}"' sh "$COMP" "$OFFLOAD" "$@"
}
[ "$(complete_words r | tr '\n' ' ')" = "run report report-error " ] ||
	fail "'offload r<TAB>' completes to '$(complete_words r | tr '\n' ' ')'"
complete_words run --fail | grep -qx -e --fail-fast ||
	fail "'offload run --fail<TAB>' does not complete to --fail-fast"
[ "$(complete_words init --framework "" | tr '\n' ' ')" = "$(comp _offload_option_arg init --framework | tr '|' ' ') " ] ||
	fail "'offload init --framework <TAB>' completes to '$(complete_words init --framework "" | tr '\n' ' ')'"
printf '[group.unit]\n[group.slow]\n' >offload.ini
[ "$(complete_words run -g "" | sort | tr '\n' ' ')" = "slow unit " ] ||
	fail "'offload run -g <TAB>' completes to '$(complete_words run -g "" | tr '\n' ' ')'"
printf '[group.other]\n' >other.ini
[ "$(complete_words run -c other.ini -g "")" = other ] ||
	fail "'offload run -c other.ini -g <TAB>' completes to '$(complete_words run -c other.ini -g "" | tr '\n' ' ')'"
[ "$(complete_words init -f "")" = "$(complete_words init --framework "")" ] ||
	fail "'offload init -f <TAB>' completes to '$(complete_words init -f "" | tr '\n' ' ')'"
say "man pages, help and completion agree: ok"
