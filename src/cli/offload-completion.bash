# SPDX-License-Identifier: MIT
# bash completion for offload(1), installed as
# $(DATADIR)/bash-completion/completions/offload.
#
# The commands and options are read from the command's own help
# (`offload --help`, `offload help COMMAND`), so that an option added to
# a command's help text completes without touching this file: a word
# after two blanks in the help's "commands:" list is a command, every
# -x/--xyz in a command's help is an option, an option written as
# `--opt a|b|c` completes to those values, and one followed by an
# upper-case word (FILE, OUT, JUNIT, N, ...) takes an argument: files
# for FILE/OUT/JUNIT, groups of the configuration for GROUP/NAME after
# -g/--group, nothing otherwise.

_offload_help()
{
	local cmd=$1
	if [[ -z $cmd ]]; then
		"${_offload_bin:-offload}" --help 2>/dev/null
	else
		"${_offload_bin:-offload}" help "$cmd" 2>/dev/null
	fi
}

_offload_commands()
{
	_offload_help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# The options of command $1 (of offload itself when empty), one per line:
# the option, a blank, and what follows it in the help ("a|b|c", an
# upper-case word such as FILE, or nothing for a flag).  Options are
# read where the help defines them: the bracketed or bare -x/--xyz words
# of the "usage:" line, and the leading -x, --xyz of an indented line.
# (tests/integration/t0081-man-help.sh compares this list with the man
# page.)
_offload_option_table()
{
	_offload_help "$1" | awk '
	function arg(w) { return w ~ /^[A-Z][A-Z]*$/ || w ~ /^[a-z]+\|/ ? w : "" }
	# an option seen twice keeps the more telling argument: values over
	# a placeholder over nothing
	function add(o, a) {
		if (!(o in opt) || (a ~ /\|/ && opt[o] !~ /\|/) || (opt[o] == "" && a != ""))
			opt[o] = a
	}
	/^usage:/ {
		n = split($0, w, /[][ ]+/)
		for (i = 1; i <= n; i++)
			if (w[i] ~ /^--?[A-Za-z]/)
				add(w[i], arg(w[i + 1]))
		next
	}
	/^ +-/ {
		line = $0
		sub(/^ +/, "", line)
		n = split(line, w, / +/)
		nn = 0
		for (i = 1; i <= n && w[i] ~ /^--?[A-Za-z]/; i++) {
			name[++nn] = w[i]
			sub(/,$/, "", name[nn])
			if (w[i] !~ /,$/) { i++; break }
		}
		a = arg(w[i])
		# -f, --framework NAME with --framework a|b in the usage line
		for (k = 1; k <= nn; k++)
			if (opt[name[k]] ~ /\|/)
				a = opt[name[k]]
		for (k = 1; k <= nn; k++)
			add(name[k], a)
	}
	END { for (o in opt) print o, opt[o] }' | sort
}

_offload_options()
{
	_offload_option_table "$1" | cut -d' ' -f1
}

# What follows option $2 in command $1's help.
_offload_option_arg()
{
	_offload_option_table "$1" | awk -v o="$2" '$1 == o { print $2; exit }'
}

_offload()
{
	local _offload_bin=${COMP_WORDS[0]}
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local cmd= i arg
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_offload_commands) help" -- "$cur"))
		fi
		return 0
	fi
	if [[ $cmd == help ]]; then
		((COMP_CWORD == i + 1)) &&
			COMPREPLY=($(compgen -W "$(_offload_commands)" -- "$cur"))
		return 0
	fi

	if [[ $prev == -* ]]; then
		arg=$(_offload_option_arg "$cmd" "$prev")
		case $arg in
		*'|'*)
			COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur"))
			return 0 ;;
		GROUP|NAME)
			if [[ $prev == -g || $prev == --group ]]; then
				# the groups of the configuration named by -c, if any
				local cfg=offload.ini j
				for ((j = i + 1; j < COMP_CWORD - 1; j++)); do
					case ${COMP_WORDS[j]} in
					-c|--config) cfg=${COMP_WORDS[j + 1]} ;;
					esac
				done
				COMPREPLY=($(compgen -W "$(sed -n 's/^\[group\.\([^]]*\)\].*/\1/p' "$cfg" 2>/dev/null)" -- "$cur"))
			fi
			return 0 ;;
		FILE|OUT|JUNIT)
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
			return 0 ;;
		[A-Z]*)
			return 0 ;;
		esac
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_offload_options "$cmd")" -- "$cur"))
		return 0
	fi
	case $cmd in
	merge)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null ;;
	esac
	return 0
}

complete -F _offload offload
