# A temporary directory per script; the exit status matters too.
echo "1..2"
d=$(mktemp -d) || { echo "Bail out! cannot create a temporary directory"; exit 1; }
trap 'rm -rf "$d"' EXIT
echo x >"$d/f" && echo "ok 1 - write a file" || echo "not ok 1 - write a file"
[ -s "$d/f" ] && echo "ok 2 - it is not empty" || echo "not ok 2 - it is not empty"
