# Plan last, unnumbered points, a TODO that fails (expected: not a
# failure), comments and a YAML block.
s="a/b/c"
[ "${s#*/}" = "b/c" ] && echo "ok - strip the shortest prefix a/" || echo "not ok - strip the shortest prefix a/"
[ "${s##*/}" = "c" ] && echo "ok - strip the longest prefix a/b/" || echo "not ok - strip the longest prefix a/b/"
echo "# case conversion is not POSIX sh"
echo "not ok - upper-case with \${s^^} # TODO needs bash"
echo "  ---"
echo "  message: 'bad substitution'"
echo "  ..."
echo "1..3"
