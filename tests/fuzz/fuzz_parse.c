/*
 * fuzz_parse - arenactl's size and count parsing, and the library's name
 * rules.  The tool is compiled in whole, its main renamed.
 *
 * Properties: parse_size() accepts only what it can represent exactly, at
 * most 1T; what fmt_size() prints exactly (no decimals) parses back to the
 * same value; names are refused or attached read-only, never crash.
 */
int arenactl_main(int argc, char **argv);
#define main arenactl_main
#include "../../tools/arenactl.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[300], out[32];
	uint64_t v, w;
	unsigned long u;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_size(s, &v) == 0) {
		if (v > (UINT64_C(1) << 40))
			abort();
		fmt_size(v, out, sizeof(out));
		if (strchr(out, '.') == NULL &&
		    (parse_size(out, &w) != 0 || w != v))
			abort();
	}
	if (parse_uint(s, 0, ARENA_MAX_SLOTS, &u) == 0 && u > ARENA_MAX_SLOTS)
		abort();
	/* Names: a read-only, non-waiting attach never crashes; most fail. */
	{
		arena_t *a = arena_attach(s, ARENA_RDONLY | ARENA_NOWAIT | ARENA_ANY_OWNER);

		if (a != NULL)
			arena_detach(a);
		else if (strchr(s[0] == '/' ? s + 1 : s, '/') != NULL && errno != EINVAL)
			abort();
	}
	return 0;
}
