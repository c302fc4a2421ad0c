#!/bin/sh
# man_check.sh - fail when a public function or an arenactl command has no
# manual page, or when a page does not pass mandoc -Tlint.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
fail=0

# Every function and function-like macro the header declares: its own page
# (a family page or a .so stub naming the family page).
for f in $(sed -n 's/^ARENA_API[^(]*[ *]\(arena_[a-z_0-9]*\)(.*/\1/p' include/arena.h) \
         arena_ptr arena_alloc arena_local_alloc arena_section_enter \
         arena_section_leave ARENA_NEW ARENA_NEW_ARRAY ARENA_LOCAL_NEW \
         ARENA_LOCAL_NEW_ARRAY; do
	page="man/man3/$f.3"
	if [ ! -f "$page" ]; then
		echo "man_check: $f has no page ($page)"; fail=1; continue
	fi
	if grep -q '^\.so ' "$page"; then
		target=$(sed -n 's/^\.so //p' "$page")
		[ -f "man/$target" ] || { echo "man_check: $page: .so to missing $target"; fail=1; }
		grep -qw -- "$f" "man/$target" || { echo "man_check: man/$target never mentions $f"; fail=1; }
	fi
done

# Every arenactl command in arenactl(1), set in bold where it is described.
for c in $(./tools/arenactl -h | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
	grep -qE "^\.(B|BI|BR|SS|IP|TP) +\"?$c( |\"|$)" man/man1/arenactl.1 2>/dev/null ||
		{ echo "man_check: arenactl command '$c' not in arenactl(1)"; fail=1; }
done
[ -f man/man7/arena.7 ] || { echo "man_check: arena(7) missing"; fail=1; }

# No merge left half done, in the pages or anywhere else in the tree (mandoc
# takes conflict markers for text).
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	marks=$(git -C "$top" grep -nE '^(<<<<<<<|>>>>>>>) ' -- . ':!tests/man_check.sh' 2>/dev/null)
	[ -z "$marks" ] || { echo "man_check: merge conflict markers:"; echo "$marks"; fail=1; }
fi

# Lint every page.
for p in man/man1/*.1 man/man3/*.3 man/man7/*.7; do
	[ -f "$p" ] || continue
	grep -q '^\.so ' "$p" && continue
	out=$(mandoc -Tlint -W warning "$p" 2>&1)
	[ -z "$out" ] || { echo "$out"; fail=1; }
done
[ $fail -eq 0 ] && echo "man_check: every function and command documented, pages lint clean"
exit $fail
