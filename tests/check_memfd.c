/*
 * check_memfd.c - arenas on sealed memfds: the seals hold (no shrinking,
 * no growing), the descriptor crosses a UNIX socket and the receiver
 * attaches it, and every misuse gets its documented error.
 */
#include <sys/socket.h>

#include "testutil.h"

/* The object is sealed: neither ftruncate nor fallocate can change its
 * size, and the seals themselves are sealed. */
START_TEST(seals_hold)
{
	arena_t *a = arena_create_memfd("sealed", 1 << 20, NULL);
	struct arena_stat st;
	struct stat fs;
	int fd, seals;

	ck_assert_msg(a != NULL, "arena_create_memfd: %s", strerror(errno));
	fd = arena_fd(a);
	ck_assert_int_ge(fd, 0);
	seals = fcntl(fd, F_GET_SEALS);
	ck_assert_int_eq(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
	                 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	st = tu_stat(a);
	TU_FAILS_WITH(ftruncate(fd, 4096), -1, EPERM);
	TU_FAILS_WITH(ftruncate(fd, (off_t)st.segment_size * 2), -1, EPERM);
	TU_FAILS_WITH(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1, EPERM);
	ck_assert_int_eq(fstat(fd, &fs), 0);
	ck_assert_uint_eq((uint64_t)fs.st_size, st.segment_size);
	/* Every byte of the region is still there to touch. */
	ck_assert(arena_alloc(a, (size_t)st.capacity, 1) != ARENA_NULL);
	((volatile char *)tu_base(a))[st.segment_size - 1] = 1;
	ck_assert_str_eq(arena_name(a), "memfd:sealed");
	arena_detach(a);
}
END_TEST

/* A child receives the descriptor over a socket, attaches, reads what the
 * parent published and publishes an answer. */
START_TEST(pass_descriptor)
{
	arena_t *a = arena_create_memfd("passed", 1 << 20, NULL);
	int sv[2];
	pid_t pid;
	arena_ref_t r;
	struct arena_stat st;

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(arena_publish(a, "question", arena_strdup(a, "ping")), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = arena_recv_fd(sv[1]);
		arena_t *b;
		const char *q;
		char ok = 1;

		if (fd < 0)
			_exit(2);
		b = arena_attach_fd(fd, 0);
		close(fd);          /* the handle keeps its own duplicate */
		if (b == NULL)
			_exit(3);
		q = arena_get_str(b, arena_lookup(b, "question"));
		if (q == NULL || strcmp(q, "ping") != 0)
			_exit(4);
		if (arena_publish(b, "answer", arena_strdup(b, "pong")) < 0)
			_exit(5);
		if (strncmp(arena_name(b), "memfd:passed", 12) != 0)
			_exit(6);
		/* Tell the parent we are attached, then wait to be let go. */
		if (write(sv[1], &ok, 1) != 1 || read(sv[1], &ok, 1) != 1)
			_exit(7);
		arena_detach(b);
		_exit(0);
	}
	ck_assert_int_eq(arena_send_fd(sv[0], a), 0);
	{
		char c;

		ck_assert_int_eq(read(sv[0], &c, 1), 1);
	}
	st = tu_stat(a);
	ck_assert_uint_eq(st.attached, 2);
	TU_FAILS_WITH(arena_reset(a, 0), -1, EBUSY);
	r = arena_lookup(a, "answer");
	ck_assert(r != ARENA_NULL);
	ck_assert_str_eq(arena_get_str(a, r), "pong");
	ck_assert_int_eq(write(sv[0], "x", 1), 1);
	tu_wait_ok(pid);
	st = tu_stat(a);
	ck_assert_uint_eq(st.attached, 1);
	ck_assert_int_eq(arena_reset(a, 0), 0);
	close(sv[0]);
	close(sv[1]);
	arena_detach(a);
}
END_TEST

/* Descriptors that are not sealed memfds are refused; so are bad
 * arguments, named arenas and messages without a descriptor. */
START_TEST(misuse)
{
	arena_t *named = tu_create(tu_seg, 65536, NULL), *m, *ro;
	int sv[2], fd;

	TU_FAILS_WITH(arena_fd(named), -1, EBADF);
	TU_FAILS_WITH(arena_fd(NULL), -1, EINVAL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	TU_FAILS_WITH(arena_send_fd(sv[0], named), -1, EBADF);
	/* A named segment's descriptor: not sealed. */
	fd = tu_open_shm(tu_seg);
	TU_FAILS_WITH(arena_attach_fd(fd, 0), NULL, ENOTSUP);
	close(fd);
	TU_FAILS_WITH(arena_attach_fd(-1, 0), NULL, EBADF);
	TU_FAILS_WITH(arena_attach_fd(999999, 0), NULL, EBADF);
	m = arena_create_memfd(NULL, 65536, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(arena_name(m), "memfd:arena");
	TU_FAILS_WITH(arena_attach_fd(arena_fd(m), 0x100), NULL, EINVAL);
	/* Read-only through the descriptor: no writes through the handle. */
	ro = arena_attach_fd(arena_fd(m), ARENA_RDONLY);
	ck_assert_ptr_nonnull(ro);
	TU_FAILS_WITH(arena_alloc(ro, 8, 8), ARENA_NULL, EROFS);
	arena_detach(ro);
	/* A message with no descriptor, then a closed peer. */
	ck_assert_int_eq(write(sv[0], "A", 1), 1);
	TU_FAILS_WITH(arena_recv_fd(sv[1]), -1, EPROTO);
	close(sv[0]);
	TU_FAILS_WITH(arena_recv_fd(sv[1]), -1, ENOTCONN);
	close(sv[1]);
	/* Labels: no '/', at most 249 bytes. */
	TU_FAILS_WITH(arena_create_memfd("a/b", 4096, NULL), NULL, EINVAL);
	{
		char longl[300];

		memset(longl, 'x', sizeof(longl) - 1);
		longl[sizeof(longl) - 1] = '\0';
		TU_FAILS_WITH(arena_create_memfd(longl, 4096, NULL), NULL, EINVAL);
	}
	TU_FAILS_WITH(arena_create_memfd("zero", 0, NULL), NULL, EINVAL);
	arena_detach(m);
	arena_detach(named);
}
END_TEST

static Suite *memfd_suite(void)
{
	Suite *s = suite_create("memfd");
	TCase *tc = tu_tcase(s, "memfd", 20);

	tcase_add_test(tc, seals_hold);
	tcase_add_test(tc, pass_descriptor);
	tcase_add_test(tc, misuse);
	return s;
}

int main(void)
{
	return tu_main(memfd_suite(), "memfd");
}
