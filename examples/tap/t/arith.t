# Plan first, numbered points, descriptions with spaces and brackets.
echo "TAP version 13"
echo "1..4"
[ $((2 + 2)) -eq 4 ] && echo "ok 1 - addition [2 + 2]" || echo "not ok 1 - addition [2 + 2]"
[ $((7 / 2)) -eq 3 ] && echo "ok 2 - integer division truncates" || echo "not ok 2 - integer division truncates"
[ $((-7 % 3)) -eq -1 ] && echo "ok 3 - remainder keeps the sign" || echo "not ok 3 - remainder keeps the sign"
echo "ok 4 - 64-bit arithmetic # SKIP not checked on this shell"
