/*
 * bind.c - what language bindings need from the library: exported
 * functions for what arena.h has inline, the library's version, and the
 * layout of every public structure, so a binding that describes them by
 * hand (Python's ctypes) can check its description when it loads.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define STR_(x) #x
#define XSTR_(x) STR_(x)

void *arena_ptr_fn(const arena_t *a, arena_ref_t r)
{
	if (a == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return arena_ptr(a, r);
}

arena_ref_t arena_alloc_fn(arena_t *a, size_t size, size_t align)
{
	return arena_alloc(a, size, align);
}

arena_ref_t arena_local_alloc_fn(struct arena_local *l, size_t size,
                                 size_t align)
{
	if (l == NULL || l->arena_ == NULL) {
		errno = EINVAL;
		return ARENA_NULL;
	}
	return arena_local_alloc(l, size, align);
}

int arena_section_enter_fn(struct arena_local *l)
{
	if (l == NULL || l->arena_ == NULL) {
		errno = EINVAL;
		return -1;
	}
	return arena_section_enter(l);
}

int arena_section_leave_fn(struct arena_local *l)
{
	if (l == NULL || l->arena_ == NULL) {
		errno = EINVAL;
		return -1;
	}
	return arena_section_leave(l);
}

const char *arena_version(int *major, int *minor, int *patch)
{
	if (major != NULL)
		*major = ARENA_VERSION_MAJOR;
	if (minor != NULL)
		*minor = ARENA_VERSION_MINOR;
	if (patch != NULL)
		*patch = ARENA_VERSION_PATCH;
	return XSTR_(ARENA_VERSION_MAJOR) "." XSTR_(ARENA_VERSION_MINOR)
	       "." XSTR_(ARENA_VERSION_PATCH);
}

/* One structure ("arena_stat") or member ("arena_stat.used"). */
struct layout {
	const char *name;
	size_t size, offset;
};

#define S_(T) { #T, sizeof(struct T), 0 }
#define M_(T, m) { #T "." #m, sizeof(((struct T *)0)->m), offsetof(struct T, m) }

static const struct layout layouts[] = {
	S_(arena_options),
	M_(arena_options, flags), M_(arena_options, mode),
	M_(arena_options, proc_slots), M_(arena_options, dir_slots),
	M_(arena_options, sect_slots), M_(arena_options, perm_size),
	M_(arena_options, perm_dir_slots),

	S_(arena_stat),
	M_(arena_stat, capacity), M_(arena_stat, used),
	M_(arena_stat, available), M_(arena_stat, generation),
	M_(arena_stat, high_water), M_(arena_stat, failed_allocs),
	M_(arena_stat, resets), M_(arena_stat, segment_size),
	M_(arena_stat, header_size), M_(arena_stat, create_time),
	M_(arena_stat, creator_uid), M_(arena_stat, format_version),
	M_(arena_stat, flags), M_(arena_stat, attached),
	M_(arena_stat, proc_slots), M_(arena_stat, dir_slots),
	M_(arena_stat, dir_entries), M_(arena_stat, rdonly),
	M_(arena_stat, sect_slots), M_(arena_stat, sect_claimed),
	M_(arena_stat, sections), M_(arena_stat, reset_pending),
	M_(arena_stat, perm_size), M_(arena_stat, perm_used),
	M_(arena_stat, perm_dir_slots), M_(arena_stat, perm_dir_entries),

	S_(arena_proc),
	M_(arena_proc, pid), M_(arena_proc, start_time),
	M_(arena_proc, alive), M_(arena_proc, slot),
	M_(arena_proc, sections), M_(arena_proc, resetting),

	S_(arena_dirent),
	M_(arena_dirent, key), M_(arena_dirent, ref), M_(arena_dirent, slot),

	S_(arena_local),

	S_(arena_chan_config),
	M_(arena_chan_config, capacity), M_(arena_chan_config, slots),
	M_(arena_chan_config, producers), M_(arena_chan_config, receivers),
	M_(arena_chan_config, groups),

	S_(arena_msg),
	M_(arena_msg, data), M_(arena_msg, len), M_(arena_msg, seq),
	M_(arena_msg, producer), M_(arena_msg, reserved_),

	S_(arena_chan_stat),
	M_(arena_chan_stat, capacity), M_(arena_chan_stat, slots),
	M_(arena_chan_stat, max_msg), M_(arena_chan_stat, producers),
	M_(arena_chan_stat, receivers), M_(arena_chan_stat, groups),
	M_(arena_chan_stat, live_producers),
	M_(arena_chan_stat, live_subscribers),
	M_(arena_chan_stat, live_members), M_(arena_chan_stat, live_groups),
	M_(arena_chan_stat, seq), M_(arena_chan_stat, lag),
	M_(arena_chan_stat, lag_bytes), M_(arena_chan_stat, msgs),
	M_(arena_chan_stat, bytes), M_(arena_chan_stat, gaps),
	M_(arena_chan_stat, create_time),

	S_(arena_chan_peer),
	M_(arena_chan_peer, role), M_(arena_chan_peer, alive),
	M_(arena_chan_peer, pid), M_(arena_chan_peer, index),
	M_(arena_chan_peer, group), M_(arena_chan_peer, seq),
	M_(arena_chan_peer, lag), M_(arena_chan_peer, lag_bytes),
	M_(arena_chan_peer, msgs), M_(arena_chan_peer, bytes),
	M_(arena_chan_peer, gaps), M_(arena_chan_peer, lost),
	M_(arena_chan_peer, held), M_(arena_chan_peer, reserved_),
};

int arena_layout(const char *name, size_t *size, size_t *offset)
{
	if (name == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (strcmp(layouts[i].name, name) == 0) {
			if (size != NULL)
				*size = layouts[i].size;
			if (offset != NULL)
				*offset = layouts[i].offset;
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}
