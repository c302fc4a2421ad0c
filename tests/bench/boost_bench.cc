// boost_bench.cc - the Boost.Interprocess peer of libarena's benchmark:
// managed_shared_memory (rbtree_best_fit, interprocess mutex), default
// options, behind a small C interface that bench.c drives with the same
// harness, barrier, pinning and checks as every other allocator.
// Built only when the Boost headers are installed (run.sh decides).
//
// Records are offsets from the segment's base (the segment is mapped at a
// different address in each process); 0 means the allocation failed (the
// segment's own header sits at offset 0, so no object can).
#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include <cstddef>
#include <cstdint>
#include <new>

namespace bip = boost::interprocess;
typedef bip::managed_shared_memory segment_t;

namespace {

template <std::size_t S>
__attribute__((noinline)) void alloc_loop(segment_t *m, std::uint64_t *rec,
                                          std::size_t n)
{
	char *base = static_cast<char *>(m->get_address());

	for (std::size_t i = 0; i < n; i++) {
		void *p = m->allocate(S, std::nothrow);
		rec[i] = p ? static_cast<std::uint64_t>(static_cast<char *>(p) - base)
		           : 0;
	}
}

__attribute__((noinline)) void alloc_loop_any(segment_t *m, std::uint64_t *rec,
                                              std::size_t n, std::size_t size)
{
	char *base = static_cast<char *>(m->get_address());

	for (std::size_t i = 0; i < n; i++) {
		void *p = m->allocate(size, std::nothrow);
		rec[i] = p ? static_cast<std::uint64_t>(static_cast<char *>(p) - base)
		           : 0;
	}
}

} // namespace

extern "C" {

// bb_create - create segment NAME of BYTES bytes; NULL on any failure.
void *bb_create(const char *name, std::size_t bytes)
{
	try {
		return new segment_t(bip::create_only, name, bytes);
	} catch (...) {
		return nullptr;
	}
}

// bb_open - open the existing segment NAME (in another process).
void *bb_open(const char *name)
{
	try {
		return new segment_t(bip::open_only, name);
	} catch (...) {
		return nullptr;
	}
}

void bb_close(void *h)
{
	delete static_cast<segment_t *>(h);
}

int bb_remove(const char *name)
{
	return bip::shared_memory_object::remove(name) ? 0 : -1;
}

std::uint64_t bb_size(void *h)
{
	return static_cast<segment_t *>(h)->get_size();
}

std::uint64_t bb_free_memory(void *h)
{
	return static_cast<segment_t *>(h)->get_free_memory();
}

// bb_alloc_loop - the timed loop: N allocations of SIZE bytes into REC
// (constant sizes are specialised, as in bench.c).
void bb_alloc_loop(void *h, std::uint64_t *rec, std::size_t n,
                   std::size_t size)
{
	segment_t *m = static_cast<segment_t *>(h);

	switch (size) {
	case 8: alloc_loop<8>(m, rec, n); break;
	case 16: alloc_loop<16>(m, rec, n); break;
	case 24: alloc_loop<24>(m, rec, n); break;
	case 64: alloc_loop<64>(m, rec, n); break;
	case 256: alloc_loop<256>(m, rec, n); break;
	case 4096: alloc_loop<4096>(m, rec, n); break;
	default: alloc_loop_any(m, rec, n, size); break;
	}
}

// bb_free_loop - give back the N objects recorded in REC (untimed).
void bb_free_loop(void *h, const std::uint64_t *rec, std::size_t n)
{
	segment_t *m = static_cast<segment_t *>(h);
	char *base = static_cast<char *>(m->get_address());

	for (std::size_t i = 0; i < n; i++)
		if (rec[i] != 0)
			m->deallocate(base + rec[i]);
}

} // extern "C"
