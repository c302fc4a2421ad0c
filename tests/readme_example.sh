#!/bin/sh
# readme_example.sh - the quick-start program of README.md must compile as
# written, run, print what the README says, and leave nothing in /dev/shm.
# The program is the first ```c block after the line "<!-- quickstart ...".
# Needs libarena.a (run make first).  CC defaults to cc.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
fail() { echo "readme_example: $*" >&2; exit 1; }

[ -f "$top/libarena.a" ] || fail "$top/libarena.a missing; run make first"
awk '
	/^<!-- quickstart/ { state = 1; next }
	state == 1 && /^```c[ \t]*$/ { state = 2; next }
	state == 2 && /^```[ \t]*$/ { done = 1; exit }
	state == 2 { print }
	END { exit done ? 0 : 1 }
' "$top/README.md" > "$tmp/quickstart.c" ||
	fail "no quick-start program in README.md (<!-- quickstart --> then \`\`\`c ... \`\`\`)"

# A sanitized libarena.a (make check SANITIZE=...) needs the same flags.
${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic -I"$top/include" \
	${SANITIZE:+-fsanitize=$SANITIZE} \
	-o "$tmp/quickstart" "$tmp/quickstart.c" "$top/libarena.a" \
	-lurcu-common -lpthread 2> "$tmp/cc.err" ||
	{ cat "$tmp/cc.err" >&2; fail "the quick-start program does not compile"; }

# The program names its segment arena-example-<its pid>.
"$tmp/quickstart" > "$tmp/out" 2> "$tmp/err" &
pid=$!
wait "$pid"
status=$?
seg="/dev/shm/arena-example-$pid"
if [ -e "$seg" ]; then
	rm -f "$seg"
	fail "the program left $seg behind (removed now)"
fi
[ "$status" -eq 0 ] || { cat "$tmp/err" >&2; fail "the program exited with status $status"; }
[ -s "$tmp/err" ] && { cat "$tmp/err" >&2; fail "the program wrote to stderr"; }
expected='origin = (1.5, -2)'
out=$(cat "$tmp/out")
[ "$out" = "$expected" ] || fail "the program printed '$out', expected '$expected'"
grep -qF "prints \`$expected\`" "$top/README.md" ||
	fail "README.md no longer says the program prints '$expected'"
echo "readme_example: the README quick start compiles, runs and cleans up: ok"
