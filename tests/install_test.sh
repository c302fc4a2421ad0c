#!/bin/sh
# install_test.sh - make install into a scratch prefix, build a program with
# pkg-config against it, run it against the shared library, check that the
# library exports nothing but the public API, then make uninstall.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

make -s -C "$top" install PREFIX="$tmp/usr" >/dev/null
[ -f "$tmp/usr/include/arena.h" ] || fail "arena.h not installed"
[ -L "$tmp/usr/lib/libarena.so.2" ] || fail "soname link missing"
soname=$(objdump -p "$tmp/usr/lib/libarena.so" | awk '/SONAME/ {print $2}')
[ "$soname" = "libarena.so.2" ] || fail "soname is '$soname'"

# Nothing but arena_* (and the version node) may be exported.
extra=$(nm -D --defined-only "$tmp/usr/lib/libarena.so" |
	awk '{print $3}' | sed 's/@.*//' | grep -v -e '^arena_' -e '^LIBARENA_' || true)
[ -z "$extra" ] || fail "exports internal symbols: $extra"

cat > "$tmp/prog.c" <<'C'
#include <arena.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
	char name[64];
	snprintf(name, sizeof(name), "arena-test-install-%d", (int)getpid());
	arena_t *a = arena_create(name, 4096, NULL);
	if (a == NULL) { perror("arena_create"); return 1; }
	arena_ref_t r = arena_strdup(a, "installed");
	const char *s = arena_get_str(a, r);
	int ok = s != NULL && strcmp(s, "installed") == 0;
	arena_detach(a);
	arena_unlink(name);
	puts(ok ? "ok" : "bad");
	return !ok;
}
C
PKG_CONFIG_PATH="$tmp/usr/lib/pkgconfig"
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs libarena) || fail "pkg-config libarena failed"
${CC:-cc} -std=c11 -Wall -Werror ${SANITIZE:+-fsanitize=$SANITIZE} \
	-o "$tmp/prog" "$tmp/prog.c" $flags ||
	fail "cannot build against the installed library"
out=$(LD_LIBRARY_PATH="$tmp/usr/lib" "$tmp/prog") || fail "program failed: $out"
[ "$out" = ok ] || fail "program printed '$out'"
LD_LIBRARY_PATH="$tmp/usr/lib" ldd "$tmp/prog" | grep -q "$tmp/usr/lib/libarena.so.2" ||
	fail "program not linked against the installed libarena.so"

# liburcu is a public dependency: arena.h includes its headers.
pkg-config --print-requires libarena | grep -q '^liburcu' ||
	fail "libarena.pc does not name liburcu under Requires"

# A staged install (DESTDIR) for the default prefix: the .pc file's paths
# follow it, so a program builds against the staged tree, not /usr/local.
make -s -C "$top" install DESTDIR="$tmp/stage" PREFIX=/usr/local >/dev/null
stage_pc="$tmp/stage/usr/local/lib/pkgconfig"
grep -q '^prefix=${pcfiledir}/../..$' "$stage_pc/libarena.pc" ||
	fail "libarena.pc is not relocatable: $(head -1 "$stage_pc/libarena.pc")"
for define in "" --define-prefix; do
	sflags=$(PKG_CONFIG_PATH="$stage_pc" pkg-config $define --cflags --libs libarena) ||
		fail "pkg-config $define on the staged install failed"
	case $sflags in
	*"$tmp/stage/usr/local/"*) ;;
	*) fail "pkg-config $define on the staged install gives '$sflags'" ;;
	esac
	rm -f "$tmp/prog2"
	${CC:-cc} -std=c11 -Wall -Werror ${SANITIZE:+-fsanitize=$SANITIZE} \
		-o "$tmp/prog2" "$tmp/prog.c" $sflags ||
		fail "cannot build against the staged install ($define)"
	out=$(LD_LIBRARY_PATH="$tmp/stage/usr/local/lib" "$tmp/prog2") ||
		fail "program against the staged install failed: $out"
done
make -s -C "$top" uninstall DESTDIR="$tmp/stage" PREFIX=/usr/local >/dev/null

make -s -C "$top" uninstall PREFIX="$tmp/usr" >/dev/null
left=$(find "$tmp/usr" -type f -o -type l)
[ -z "$left" ] || fail "uninstall left: $left"
echo "install_test: install, pkg-config build, exports, staged (DESTDIR) build, uninstall: ok"
