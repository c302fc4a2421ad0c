/*
 * stat.c - statistics: a snapshot of the state word, the counters off the
 * allocation fast path, the immutable identity and the live peers.
 */
#include <errno.h>

#include "internal.h"

int arena_stat(const arena_t *a, struct arena_stat *st)
{
	uint64_t w, top, hw;
	unsigned live = 0;
	int entries;

	if (!handle_ok(a) || st == NULL) {
		errno = EINVAL;
		return -1;
	}
	w = uatomic_read(&a->hdr->state);
	top = FMT_OFF(w);
	if (!state_ok(a, w))
		top = a->hdr_size;   /* corrupt: report full rather than lie big */
	st->capacity = a->seg_size - a->hdr_size;
	st->used = a->seg_size - top;
	st->available = top - a->hdr_size;
	st->generation = FMT_GEN(w);
	hw = uatomic_read(&a->hdr->high_water);
	/* During a trim the arena looks full: that is no real use. */
	st->high_water = hw > st->used || !state_ok(a, w) ? hw : st->used;
	st->failed_allocs = uatomic_read(&a->hdr->failed_allocs);
	st->resets = uatomic_read(&a->hdr->resets);
	st->segment_size = a->seg_size;
	st->header_size = a->meta_size;
	st->create_time = a->create_time;
	st->creator_uid = a->creator_uid;
	st->format_version = FMT_VERSION;
	st->flags = a->flags;
	(void)proc_scan(ARENA_MUT(a), &live);
	st->attached = live;
	st->proc_slots = a->proc_slots;
	st->dir_slots = a->dir_slots;
	entries = arena_dir_list(a, NULL, 0);
	{
		uint32_t p = perm_dir_count(a);

		/* Both tables, listed; a binding may come between the calls. */
		st->dir_entries = entries > 0 && (uint32_t)entries > p
		                  ? (uint32_t)entries - p : 0;
	}
	st->rdonly = rdonly(a);
	st->sect_slots = a->sect_slots;
	st->sections = sect_count(a, -1, &st->sect_claimed);
	st->reset_pending = grace_owner(a) >= 0;
	st->perm_size = a->hdr_size - a->meta_size;
	{
		uint64_t pt = uatomic_read(&a->hdr->perm_top);

		st->perm_used = perm_top_ok(a, pt) ? a->hdr_size - pt
		                                   : st->perm_size;
	}
	st->perm_dir_slots = a->perm_dir_slots;
	st->perm_dir_entries = (uint32_t)perm_dir_count(a);
	return 0;
}
