#!/bin/sh
# readme_example.sh - the programs of README.md must compile as written, run,
# print what the README says, and leave nothing in /dev/shm:
#   the quick start, the first ```c block after the line "<!-- quickstart ...";
#   the collector pattern, the first ```c block after "<!-- collector ...";
#   the channel, the first ```c block after "<!-- channel ...";
#   the Python quick start, the first ```python block after
#   "<!-- python-quickstart ..." (needs python3 and libarena.so).
# Needs libarena.a (run make first).  CC defaults to cc.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
fail() { echo "readme_example: $*" >&2; exit 1; }

[ -f "$top/libarena.a" ] || fail "$top/libarena.a missing; run make first"

# build MARKER -- extract the program after "<!-- MARKER" into
# $tmp/MARKER.c and compile it into $tmp/MARKER.
build() {
	awk -v marker="<!-- $1" '
		index($0, marker) == 1 { state = 1; next }
		state == 1 && /^```c[ \t]*$/ { state = 2; next }
		state == 2 && /^```[ \t]*$/ { done = 1; exit }
		state == 2 { print }
		END { exit done ? 0 : 1 }
	' "$top/README.md" > "$tmp/$1.c" ||
		fail "no $1 program in README.md (<!-- $1 --> then \`\`\`c ... \`\`\`)"
	# A sanitized libarena.a (make check SANITIZE=...) needs the same flags.
	${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic -I"$top/include" \
		${SANITIZE:+-fsanitize=$SANITIZE} \
		-o "$tmp/$1" "$tmp/$1.c" "$top/libarena.a" \
		-lurcu-common -lpthread 2> "$tmp/cc.err" ||
		{ cat "$tmp/cc.err" >&2; fail "the $1 program does not compile"; }
}

# run MARKER -- run $tmp/MARKER; its output is left in $tmp/out.  It must
# exit 0, write nothing to stderr and leave nothing in /dev/shm: it names
# its segment arena-example-<its pid>.
run() {
	"$tmp/$1" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	wait "$pid"
	status=$?
	seg="/dev/shm/arena-example-$pid"
	if [ -e "$seg" ]; then
		rm -f "$seg"
		fail "the $1 program left $seg behind (removed now)"
	fi
	[ "$status" -eq 0 ] || { cat "$tmp/err" >&2
		fail "the $1 program exited with status $status"; }
	[ -s "$tmp/err" ] && { cat "$tmp/err" >&2
		fail "the $1 program wrote to stderr"; }
	return 0
}

build quickstart
run quickstart
expected='origin = (1.5, -2)'
out=$(cat "$tmp/out")
[ "$out" = "$expected" ] || fail "the program printed '$out', expected '$expected'"
grep -qF "prints \`$expected\`" "$top/README.md" ||
	fail "README.md no longer says the program prints '$expected'"
echo "readme_example: the README quick start compiles, runs and cleans up: ok"

# The collector: every record arrives, and the arena was reset on the way
# (how many times, and how many records were read between the two steps of
# a reset, depends on how the producers interleave).
build collector
start=$(date +%s)
run collector
took=$(( $(date +%s) - start ))
out=$(cat "$tmp/out")
expected='3000 of 3000 records intact and in order, N resets, M records taken in between prepare and commit'
echo "$out" | grep -qxE '3000 of 3000 records intact and in order, [1-9][0-9]* resets, [0-9]+ records taken in between prepare and commit' ||
	fail "the collector printed '$out', expected '$expected'"
# The README says so, in a sentence wrapped across lines.
tr '\n' ' ' < "$top/README.md" |
	grep -qE 'prints `3000 of 3000 records intact and in order, [0-9]+ resets, [0-9]+ records taken in between prepare and commit`' ||
	fail "README.md no longer says what the collector prints"
[ "$took" -le 5 ] || fail "the collector took $took s (it should take well under 1 s)"
echo "readme_example: the README collector compiles, runs and cleans up: ok ($out)"

# The channel: every record, in each producer's order.
build channel
run channel
out=$(cat "$tmp/out")
expected='3000 of 3000 records in order through a channel of 16 KiB'
[ "$out" = "$expected" ] || fail "the channel program printed '$out', expected '$expected'"
grep -qF "\`$expected\`" "$top/README.md" ||
	fail "README.md no longer says what the channel program prints"
echo "readme_example: the README channel program compiles, runs and cleans up: ok"

# The Python quick start: the first ```python block after
# "<!-- python-quickstart", run with the tree's package and library.
awk -v marker="<!-- python-quickstart" '
	index($0, marker) == 1 { state = 1; next }
	state == 1 && /^```python[ \t]*$/ { state = 2; next }
	state == 2 && /^```[ \t]*$/ { done = 1; exit }
	state == 2 { print }
	END { exit done ? 0 : 1 }
' "$top/README.md" > "$tmp/quickstart.py" ||
	fail "no python-quickstart program in README.md"
if [ -n "${SANITIZE:-}" ]; then
	echo "readme_example: the Python quick start is skipped (SANITIZE build)"
	exit 0
fi
printf '#!/bin/sh\ncd "%s" && PYTHONPATH="%s/python" exec %s "%s/quickstart.py"\n' \
	"$tmp" "$top" "${PYTHON:-python3}" "$tmp" > "$tmp/python-quickstart"
chmod +x "$tmp/python-quickstart"
run python-quickstart
expected='hello from another process
3 frames of 1024 bytes: 0 1 2'
out=$(cat "$tmp/out")
[ "$out" = "$expected" ] || fail "the Python quick start printed '$out', expected '$expected'"
for line in 'hello from another process' '3 frames of 1024 bytes: 0 1 2'; do
	grep -qF "\`$line\`" "$top/README.md" ||
		fail "README.md no longer says the Python quick start prints '$line'"
done
echo "readme_example: the README Python quick start runs and cleans up: ok"
