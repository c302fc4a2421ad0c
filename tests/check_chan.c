/*
 * check_chan.c - channels (issue 10): the calls, their errors, order,
 * recycling, back-pressure, groups, and peers that die at the worst time.
 * The crash storm is tests/check_chan_storm.c.
 */
#include "testutil.h"
#include "../lib/format.h"

static const struct timespec zero = { 0, 0 }, sec = { 1, 0 },
                             tenth = { 0, 100000000 };

/* mk -- an arena with a permanent part of PERM bytes. */
static arena_t *mk(const char *name, size_t perm)
{
	struct arena_options o = { 0 };

	o.perm_size = perm;
	return tu_create(name, 1 << 20, &o);
}

static arena_chan_t *open_ok(arena_t *a, const char *key, unsigned role,
                             const char *group)
{
	arena_chan_t *c = arena_chan_open(a, key, role, group);

	ck_assert_msg(c != NULL, "arena_chan_open(%s, %u): %s", key, role,
	              strerror(errno));
	return c;
}

/* A message of sequence number N from producer P: its length and bytes
 * are functions of both, so that any mix-up shows. */
static size_t msg_len(unsigned p, uint32_t n)
{
	return (size_t)((n * 37u + p * 11u) % 700u);
}

static void msg_fill(void *m, unsigned p, uint32_t n)
{
	tu_fill(m, msg_len(p, n), ((uint64_t)p << 32) | n);
}

static int msg_ok(const struct arena_msg *m, unsigned p, uint32_t n)
{
	return m->len == msg_len(p, n) &&
	       tu_check_fill(m->data, m->len, ((uint64_t)p << 32) | n) == m->len;
}

/* arena_check() findings, collected. */
static char found_text[1024];

static void note(void *ctx, int sev, const char *msg)
{
	(void)ctx;
	(void)sev;
	strncat(found_text, msg, sizeof(found_text) - strlen(found_text) - 1);
}

START_TEST(errors)
{
	char nm[TU_NAME_LEN];
	arena_t *a = mk(tu_seg, 4 << 20), *plain, *ro;
	struct arena_chan_config cfg = { 0 };
	struct arena_chan_stat st;

	TU_FAILS_WITH(arena_chan_create(NULL, "c", NULL), -1, EINVAL);
	TU_FAILS_WITH(arena_chan_create(a, NULL, NULL), -1, EINVAL);
	TU_FAILS_WITH(arena_chan_create(a, "", NULL), -1, EINVAL);
	TU_FAILS_WITH(arena_chan_create(a, "0123456789012345678901234567890123",
	                                NULL), -1, EINVAL);
	cfg.capacity = 5000;            /* not a power of two */
	TU_FAILS_WITH(arena_chan_create(a, "c", &cfg), -1, EINVAL);
	cfg.capacity = 2048;            /* too small */
	TU_FAILS_WITH(arena_chan_create(a, "c", &cfg), -1, EINVAL);
	cfg.capacity = 1 << 16;
	cfg.slots = 100;
	TU_FAILS_WITH(arena_chan_create(a, "c", &cfg), -1, EINVAL);
	cfg.slots = 0;
	cfg.producers = 257;
	TU_FAILS_WITH(arena_chan_create(a, "c", &cfg), -1, EINVAL);
	cfg.producers = 0;
	cfg.capacity = (size_t)8 << 20; /* more than the part holds */
	TU_FAILS_WITH(arena_chan_create(a, "c", &cfg), -1, ENOSPC);
	ck_assert_int_eq(arena_chan_create(a, "c", NULL), 0);
	TU_FAILS_WITH(arena_chan_create(a, "c", NULL), -1, EEXIST);
	ck_assert_int_eq(arena_chan_stat(a, "c", &st, NULL, NULL), 0);
	ck_assert_uint_eq(st.capacity, 1 << 20);
	ck_assert_uint_eq(st.slots, (1 << 20) / 64);
	ck_assert_uint_eq(st.max_msg, (1 << 20) / 4);

	TU_FAILS_WITH(arena_chan_open(a, "nope", ARENA_CHAN_PRODUCER, NULL),
	              NULL, ENOENT);
	TU_FAILS_WITH(arena_chan_open(a, "c", 0, NULL), NULL, EINVAL);
	TU_FAILS_WITH(arena_chan_open(a, "c", ARENA_CHAN_MEMBER, NULL), NULL,
	              EINVAL);
	TU_FAILS_WITH(arena_chan_open(a, "c", ARENA_CHAN_SUBSCRIBER, "g"), NULL,
	              EINVAL);
	TU_FAILS_WITH(arena_chan_open(a, "c", ARENA_CHAN_MEMBER,
	                              "01234567890123456789012345678901"),
	              NULL, EINVAL);
	/* A key bound to something else. */
	ck_assert_int_eq(arena_publish(a, "str", arena_strdup(a, "hello")), 0);
	TU_FAILS_WITH(arena_chan_open(a, "str", ARENA_CHAN_PRODUCER, NULL),
	              NULL, EMEDIUMTYPE);
	ck_assert_int_eq(arena_publish(a, "pstr", arena_perm_strdup(a, "x")), 0);
	TU_FAILS_WITH(arena_chan_stat(a, "pstr", &st, NULL, NULL), -1,
	              EMEDIUMTYPE);

	/* No permanent part: no channel. */
	plain = tu_create(tu_name(nm), 1 << 20, NULL);
	TU_FAILS_WITH(arena_chan_create(plain, "c", NULL), -1, ENOSPC);
	ck_assert_int_eq(arena_detach(plain), 0);

	/* Read-only handles may look, not join. */
	ro = tu_attach(tu_seg, ARENA_RDONLY);
	TU_FAILS_WITH(arena_chan_open(ro, "c", ARENA_CHAN_SUBSCRIBER, NULL),
	              NULL, EROFS);
	TU_FAILS_WITH(arena_chan_create(ro, "d", NULL), -1, EROFS);
	ck_assert_int_eq(arena_chan_stat(ro, "c", &st, NULL, NULL), 0);
	ck_assert_int_eq(arena_detach(ro), 0);

	/* Calls of the wrong role. */
	{
		arena_chan_t *p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
		arena_chan_t *s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
		struct arena_msg m;

		TU_FAILS_WITH(arena_chan_recv(p, &m, &zero), -1, EINVAL);
		TU_FAILS_WITH(arena_chan_claim(s, 8, &zero), NULL, EINVAL);
		TU_FAILS_WITH(arena_chan_commit(p), -1, EINVAL);
		TU_FAILS_WITH(arena_chan_claim(p, (1 << 20) / 4 + 1, &zero), NULL,
		              EMSGSIZE);
		ck_assert_ptr_nonnull(arena_chan_claim(p, 8, &zero));
		TU_FAILS_WITH(arena_chan_claim(p, 8, &zero), NULL, EBUSY);
		ck_assert_int_eq(arena_chan_abort(p), 0);
		TU_FAILS_WITH(arena_chan_recv(s, &m, &zero), -1, EAGAIN);
		TU_FAILS_WITH(arena_chan_recv(s, &m, &(struct timespec){ 0, -1 }),
		              -1, EINVAL);
		ck_assert_int_eq(arena_chan_close(p), 0);
		ck_assert_int_eq(arena_chan_close(s), 0);
	}
	ck_assert_int_eq(arena_chan_close(NULL), 0);
	/* An open channel handle points into the mapping: no detach. */
	{
		arena_chan_t *s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);

		TU_FAILS_WITH(arena_detach(a), -1, EBUSY);
		ck_assert_int_eq(arena_chan_close(s), 0);
	}
	ck_assert_int_eq(arena_detach(a), 0);
	TU_FAILS_WITH(arena_detach(a), -1, EINVAL);
}
END_TEST

/* One producer, two subscribers, many laps of the ring with messages of
 * every size: each subscriber gets each message once, in order, intact,
 * in place inside the mapping. */
START_TEST(order_and_laps)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	struct arena_chan_config cfg = { .capacity = 8192, .slots = 16 };
	arena_chan_t *p, *s[2];
	void *base;
	size_t len;
	uint32_t sent = 0, got[2] = { 0, 0 };

	ck_assert_int_eq(arena_chan_create(a, "c", &cfg), 0);
	p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
	s[0] = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	s[1] = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	ck_assert_int_eq(arena_mapping(a, &base, &len), 0);
	while (sent < 5000) {
		/* Fill until full, then drain. */
		for (;;) {
			void *m = arena_chan_claim(p, msg_len(0, sent), &zero);

			if (m == NULL) {
				ck_assert_int_eq(errno, EAGAIN);
				break;
			}
			ck_assert_uint_eq((uintptr_t)m % 8, 0);
			msg_fill(m, 0, sent);
			ck_assert_int_eq(arena_chan_commit(p), 0);
			sent++;
		}
		for (int k = 0; k < 2; k++) {
			struct arena_msg m;

			while (arena_chan_recv(s[k], &m, &zero) == 0) {
				ck_assert_msg(msg_ok(&m, 0, got[k]), "message %u",
				              got[k]);
				ck_assert_uint_eq(m.seq, got[k]);
				ck_assert((const char *)m.data >= (char *)base &&
				          (const char *)m.data + m.len <=
				          (char *)base + len);
				got[k]++;
			}
			ck_assert_int_eq(errno, EAGAIN);
			ck_assert_uint_eq(got[k], sent);
		}
	}
	/* A late subscriber starts at the end. */
	{
		arena_chan_t *late = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
		struct arena_msg m;

		TU_FAILS_WITH(arena_chan_recv(late, &m, &zero), -1, EAGAIN);
		ck_assert_int_eq(arena_chan_send(p, "hi", 3, &zero), 0);
		ck_assert_int_eq(arena_chan_recv(late, &m, &zero), 0);
		ck_assert_str_eq(m.data, "hi");
		ck_assert_int_eq(arena_chan_close(late), 0);
	}
	for (int k = 0; k < 2; k++)
		ck_assert_int_eq(arena_chan_close(s[k]), 0);
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* Back-pressure: the slowest live subscriber holds space; what it holds
 * stays intact; releasing lets the producer on. */
START_TEST(back_pressure)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	struct arena_chan_config cfg = { .capacity = 4096, .slots = 64 };
	arena_chan_t *p, *s;
	struct arena_msg m;
	char buf[256];
	unsigned n = 0;

	ck_assert_int_eq(arena_chan_create(a, "c", &cfg), 0);
	p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
	s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	memset(buf, 'x', sizeof(buf));
	while (arena_chan_send(p, buf, sizeof(buf), &zero) == 0)
		n++;
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_eq(n, 4096 / 256);
	/* A waiting claim times out, having claimed nothing. */
	TU_FAILS_WITH(arena_chan_claim(p, 256, &tenth), NULL, ETIMEDOUT);
	ck_assert_int_eq(arena_chan_recv(s, &m, &zero), 0);
	/* Held: still no room. */
	TU_FAILS_WITH(arena_chan_claim(p, 256, &zero), NULL, EAGAIN);
	ck_assert_int_eq(arena_chan_release(s), 0);
	ck_assert_int_eq(arena_chan_send(p, buf, sizeof(buf), &zero), 0);
	/* Batches: claimv claims what fits. */
	{
		size_t lens[4] = { 256, 256, 256, 256 };
		void *ms[4];
		struct arena_msg mv[8];

		ck_assert_int_eq(arena_chan_recvv(s, mv, 8, &zero), 8);
		ck_assert_int_eq(arena_chan_release(s), 0);
		ck_assert_int_eq(arena_chan_claimv(p, 4, lens, ms, &zero), 4);
		for (int i = 0; i < 4; i++)
			memset(ms[i], 'a' + i, 256);
		ck_assert_int_eq(arena_chan_commit(p), 0);
		ck_assert_int_eq(arena_chan_claimv(p, 4, lens, ms, &zero), 4);
		ck_assert_int_eq(arena_chan_commit(p), 0);
		TU_FAILS_WITH(arena_chan_claimv(p, 4, lens, ms, &zero), -1, EAGAIN);
		ck_assert_int_eq(arena_chan_recvv(s, mv, 8, &zero), 8);
		ck_assert_int_eq(arena_chan_recvv(s, mv, 8, &zero), 8);
		for (int i = 0; i < 4; i++)
			ck_assert_int_eq(((const char *)mv[i].data)[255], 'a' + i);
	}
	/* A closed subscriber holds nothing. */
	ck_assert_int_eq(arena_chan_close(s), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(arena_chan_send(p, buf, sizeof(buf), &zero), 0);
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* recv_copy: too small a buffer consumes nothing. */
START_TEST(copying)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	arena_chan_t *p, *s;
	char buf[16];

	ck_assert_int_eq(arena_chan_create(a, "c", NULL), 0);
	p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
	s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	ck_assert_int_eq(arena_chan_send(p, "0123456789", 11, &zero), 0);
	ck_assert_int_eq(arena_chan_send(p, "", 0, &zero), 0);
	TU_FAILS_WITH(arena_chan_recv_copy(s, buf, 4, &zero), -1, EMSGSIZE);
	ck_assert_int_eq(arena_chan_recv_copy(s, buf, sizeof(buf), &zero), 11);
	ck_assert_str_eq(buf, "0123456789");
	ck_assert_int_eq(arena_chan_recv_copy(s, buf, sizeof(buf), &zero), 0);
	TU_FAILS_WITH(arena_chan_recv_copy(s, buf, sizeof(buf), &zero), -1,
	              EAGAIN);
	/* A message may carry references to other objects of the arena. */
	{
		arena_ref_t r = arena_strdup(a, "referenced"), back;
		struct arena_msg m;

		ck_assert(r != ARENA_NULL);
		ck_assert_int_eq(arena_chan_send(p, &r, sizeof(r), &zero), 0);
		ck_assert_int_eq(arena_chan_recv(s, &m, &zero), 0);
		ck_assert_uint_eq(m.len, sizeof(r));
		memcpy(&back, m.data, sizeof(back));
		ck_assert_str_eq(arena_get_str(a, back), "referenced");
	}
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_chan_close(s), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* ---- several processes ------------------------------------------------ */

struct prod_arg {
	unsigned id, count;
	int die_claimed;        /* claim one more, then _exit without commit */
};

static int producer(void *arg)
{
	struct prod_arg *pa = arg;
	arena_t *a = arena_attach(tu_seg, 0);
	arena_chan_t *p;

	if (a == NULL || (p = arena_chan_open(a, "c", ARENA_CHAN_PRODUCER,
	                                      NULL)) == NULL)
		return tu_fail(1, "attach/open: %s", strerror(errno));
	for (uint32_t n = 0; n < pa->count; n++) {
		void *m = arena_chan_claim(p, msg_len(pa->id, n), &sec);

		if (m == NULL)
			return tu_fail(2, "claim %u: %s", n, strerror(errno));
		msg_fill(m, pa->id, n);
		if (arena_chan_commit(p) < 0)
			return tu_fail(3, "commit: %s", strerror(errno));
	}
	if (pa->die_claimed) {
		if (arena_chan_claim(p, 64, &sec) == NULL)
			return tu_fail(4, "claim: %s", strerror(errno));
		_exit(0);       /* the claim is never committed */
	}
	arena_chan_close(p);
	arena_detach(a);
	return 0;
}

/* Three producer processes to one subscriber and a group of two members
 * (in this process): per producer order for the subscriber, exactly once
 * across the group. */
START_TEST(many_producers)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	struct arena_chan_config cfg = { .capacity = 16384, .slots = 64 };
	arena_chan_t *s, *g[2];
	struct prod_arg pa[3];
	pid_t pid[3];
	uint32_t next[3] = { 0 }, total = 0, gtotal = 0;
	static uint8_t seen[3][3000];

	ck_assert_int_eq(arena_chan_create(a, "c", &cfg), 0);
	s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	g[0] = open_ok(a, "c", ARENA_CHAN_MEMBER, "workers");
	g[1] = open_ok(a, "c", ARENA_CHAN_MEMBER, "workers");
	for (unsigned i = 0; i < 3; i++) {
		pa[i] = (struct prod_arg){ i, 3000, 0 };
		pid[i] = tu_fork(producer, &pa[i]);
	}
	while (total < 9000 || gtotal < 9000) {
		struct arena_msg m[16];
		int k;

		if (total < 9000) {
			k = arena_chan_recvv(s, m, 16, &sec);
			ck_assert_msg(k > 0, "recv: %s", strerror(errno));
			for (int i = 0; i < k; i++) {
				unsigned p = m[i].producer;
				ck_assert_msg(p < 16, "producer %u", p);
				/* Producer entries are taken in fork order,
				 * but not necessarily: find it by content. */
				unsigned id = 3;
				for (unsigned q = 0; q < 3; q++)
					if (next[q] < 3000 && msg_ok(&m[i], q, next[q]))
						id = q;
				ck_assert_msg(id < 3, "out of order or damaged");
				next[id]++;
				total++;
			}
		}
		for (int j = 0; j < 2 && gtotal < 9000; j++) {
			k = arena_chan_recvv(g[j], m, 8, &zero);
			if (k < 0) {
				ck_assert_int_eq(errno, EAGAIN);
				continue;
			}
			for (int i = 0; i < k; i++) {
				unsigned id = 3;
				for (unsigned q = 0; q < 3; q++)
					for (uint32_t n = 0; n < 3000 && id == 3; n++)
						if (msg_len(q, n) == m[i].len &&
						    !seen[q][n] && msg_ok(&m[i], q, n))
							id = q, seen[q][n] = 1;
				ck_assert_msg(id < 3, "group: duplicate or damaged");
				gtotal++;
			}
		}
	}
	for (unsigned i = 0; i < 3; i++)
		tu_wait_ok(pid[i]);
	for (int j = 0; j < 2; j++)
		ck_assert_int_eq(arena_chan_close(g[j]), 0);
	ck_assert_int_eq(arena_chan_close(s), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* A producer that dies between claim and commit: the receiver skips its
 * claim (counted) and gets what another producer committed after it. */
START_TEST(dead_producer_gap)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	arena_chan_t *s, *p;
	struct prod_arg pa = { 0, 5, 1 };
	struct arena_chan_stat st;
	struct arena_msg m;

	ck_assert_int_eq(arena_chan_create(a, "c", NULL), 0);
	s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	tu_wait_ok(tu_fork(producer, &pa));
	p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
	ck_assert_int_eq(arena_chan_send(p, "after", 6, &zero), 0);
	for (uint32_t n = 0; n < 5; n++) {
		ck_assert_int_eq(arena_chan_recv(s, &m, &sec), 0);
		ck_assert(msg_ok(&m, 0, n));
	}
	/* The dead claim: skipped within a bounded time (polls). */
	ck_assert_int_eq(arena_chan_recv(s, &m, &sec), 0);
	ck_assert_str_eq(m.data, "after");
	ck_assert_int_eq(arena_chan_stat(a, "c", &st, NULL, NULL), 0);
	ck_assert_uint_eq(st.gaps, 1);
	ck_assert_uint_eq(st.seq, 7);
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_chan_close(s), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

struct sub_arg {
	const char *group;      /* NULL: a subscriber */
	int take;               /* receive this many, then die holding */
	struct tu_gate gate;
};

static int receiver_dies(void *arg)
{
	struct sub_arg *sa = arg;
	arena_t *a = arena_attach(tu_seg, 0);
	arena_chan_t *c;
	struct arena_msg m;

	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	c = arena_chan_open(a, "c", sa->group ? ARENA_CHAN_MEMBER
	                                      : ARENA_CHAN_SUBSCRIBER, sa->group);
	if (c == NULL)
		return tu_fail(2, "open: %s", strerror(errno));
	tu_gate_signal(&sa->gate, 'j');
	for (int i = 0; i < sa->take; i++)
		if (arena_chan_recv(c, &m, &sec) < 0)
			return tu_fail(3, "recv: %s", strerror(errno));
	tu_gate_signal(&sa->gate, 'h');
	tu_gate_hold(&sa->gate);
	raise(SIGKILL);
	return 0;
}

/* A subscriber killed holding a message stops holding space. */
START_TEST(dead_subscriber)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	struct arena_chan_config cfg = { .capacity = 4096, .slots = 16 };
	struct sub_arg sa = { .group = NULL, .take = 1 };
	arena_chan_t *p;
	pid_t pid;
	int st;

	ck_assert_int_eq(arena_chan_create(a, "c", &cfg), 0);
	p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
	tu_gate_init(&sa.gate);
	pid = tu_fork(receiver_dies, &sa);
	ck_assert_int_eq(tu_gate_wait(&sa.gate), 'j');
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(arena_chan_send(p, "x", 1, &zero), 0);
	ck_assert_int_eq(tu_gate_wait(&sa.gate), 'h');
	TU_FAILS_WITH(arena_chan_send(p, "x", 1, &zero), -1, EAGAIN);
	tu_gate_release(&sa.gate);
	st = tu_wait_status(pid);
	ck_assert(WIFSIGNALED(st));
	/* arena_check() sees the dead entry: a warning, not an error. */
	found_text[0] = 0;
	ck_assert_int_eq(arena_check(a, note, NULL), 0);
	ck_assert_msg(strstr(found_text, "channel 'c': 1 entries of dead"),
	              "%s", found_text);
	/* Dead: within the liveness cache's millisecond, room again. */
	ck_assert_int_eq(arena_chan_send(p, "x", 1, &sec), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(arena_chan_send(p, "x", 1, &sec), 0);
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* A group member killed holding a message: the message is lost for the
 * group (counted once the entry is freed), the other member goes on. */
START_TEST(dead_member_lost)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	struct sub_arg sa = { .group = "g", .take = 1 };
	arena_chan_t *p, *mem, *again;
	struct arena_chan_peer peers[8];
	size_t np = 8;
	struct arena_chan_stat st;
	struct arena_msg m;
	pid_t pid;
	int found = 0;

	ck_assert_int_eq(arena_chan_create(a, "c", NULL), 0);
	p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
	mem = open_ok(a, "c", ARENA_CHAN_MEMBER, "g");
	tu_gate_init(&sa.gate);
	pid = tu_fork(receiver_dies, &sa);
	ck_assert_int_eq(tu_gate_wait(&sa.gate), 'j');
	ck_assert_int_eq(arena_chan_send(p, "m0", 3, &zero), 0);
	ck_assert_int_eq(tu_gate_wait(&sa.gate), 'h');    /* it took m0 */
	ck_assert_int_eq(arena_chan_send(p, "m1", 3, &zero), 0);
	ck_assert_int_eq(arena_chan_recv(mem, &m, &sec), 0);
	ck_assert_str_eq(m.data, "m1");
	tu_gate_release(&sa.gate);
	(void)tu_wait_status(pid);
	/* The next join frees the dead entry and counts its message lost. */
	again = open_ok(a, "c", ARENA_CHAN_MEMBER, "g");
	ck_assert_int_eq(arena_chan_stat(a, "c", &st, peers, &np), 0);
	ck_assert_uint_eq(st.live_members, 2);
	for (size_t i = 0; i < np && i < 8; i++)
		if (peers[i].role == ARENA_CHAN_GROUP) {
			ck_assert_str_eq(peers[i].group, "g");
			ck_assert_uint_eq(peers[i].lost, 1);
			found = 1;
		}
	ck_assert(found);
	TU_FAILS_WITH(arena_chan_recv(again, &m, &zero), -1, EAGAIN);
	ck_assert_int_eq(arena_chan_close(again), 0);
	ck_assert_int_eq(arena_chan_close(mem), 0);
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

static int sender_later(void *arg)
{
	arena_t *a = arena_attach(tu_seg, 0);
	arena_chan_t *p;

	(void)arg;
	if (a == NULL || (p = arena_chan_open(a, "c", ARENA_CHAN_PRODUCER,
	                                      NULL)) == NULL)
		return tu_fail(1, "open: %s", strerror(errno));
	tu_sleep_ms(200);
	if (arena_chan_send(p, "wake", 5, &sec) < 0)
		return tu_fail(2, "send: %s", strerror(errno));
	arena_chan_close(p);
	arena_detach(a);
	return 0;
}

/* A receiver asleep (past its spin) is woken by a commit in another
 * process; blocking for ever (NULL) works. */
START_TEST(sleep_and_wake)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	arena_chan_t *s;
	struct arena_msg m;
	pid_t pid;

	ck_assert_int_eq(arena_chan_create(a, "c", NULL), 0);
	s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	pid = tu_fork(sender_later, NULL);
	ck_assert_int_eq(arena_chan_recv(s, &m, NULL), 0);
	ck_assert_str_eq(m.data, "wake");
	tu_wait_ok(pid);
	TU_FAILS_WITH(arena_chan_recv(s, &m, &tenth), -1, ETIMEDOUT);
	ck_assert_int_eq(arena_chan_close(s), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* Survives resets: the channel is in the permanent part. */
START_TEST(survives_reset)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	arena_chan_t *p, *s;
	struct arena_msg m;

	ck_assert_int_eq(arena_chan_create(a, "c", NULL), 0);
	p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
	s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	ck_assert_int_eq(arena_chan_send(p, "before", 7, &zero), 0);
	ck_assert_int_eq(arena_reset(a, ARENA_RESET_TRIM), 0);
	ck_assert_int_eq(arena_chan_send(p, "after", 6, &zero), 0);
	ck_assert_int_eq(arena_chan_recv(s, &m, &zero), 0);
	ck_assert_str_eq(m.data, "before");
	ck_assert_int_eq(arena_chan_recv(s, &m, &zero), 0);
	ck_assert_str_eq(m.data, "after");
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_chan_close(s), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* A peer scribbling on the control block, descriptors and entries makes
 * calls fail (or skip), never read outside the mapping or crash. */
START_TEST(scribbles)
{
	arena_t *a = mk(tu_seg, 2 << 20);
	struct arena_chan_config cfg = { .capacity = 4096, .slots = 16 };
	arena_chan_t *p, *s;
	struct arena_msg m;
	struct fmt_chan *cb;
	struct fmt_chan_desc *d;
	arena_ref_t r;
	uint64_t save;

	ck_assert_int_eq(arena_chan_create(a, "c", &cfg), 0);
	r = arena_lookup(a, "c");
	cb = arena_ptr(a, r);
	d = (struct fmt_chan_desc *)(void *)((char *)cb + cb->desc_off);
	p = open_ok(a, "c", ARENA_CHAN_PRODUCER, NULL);
	s = open_ok(a, "c", ARENA_CHAN_SUBSCRIBER, NULL);
	ck_assert_int_eq(arena_chan_send(p, "ok", 3, &zero), 0);
	/* A descriptor pointing outside the ring. */
	save = d[0].pos;
	d[0].pos = 0x7fffffff;
	TU_FAILS_WITH(arena_chan_recv(s, &m, &zero), -1, EBADMSG);
	d[0].pos = (uint32_t)save;
	/* A length past the largest message. */
	save = d[0].word;
	d[0].word = ((uint64_t)0x10000000 << 32) | 0;
	TU_FAILS_WITH(arena_chan_recv(s, &m, &zero), -1, EBADMSG);
	d[0].word = save;
	ck_assert_int_eq(arena_chan_recv(s, &m, &zero), 0);
	ck_assert_str_eq(m.data, "ok");
	/* A receiver entry's position far behind: producers refuse. */
	{
		struct fmt_chan_recv *rv = (struct fmt_chan_recv *)(void *)
		        ((char *)cb + sizeof(*cb) + 64u * cb->producers);
		uint32_t i;

		for (i = 0; i < cb->receivers && rv[i].owner == 0; i++)
			;
		ck_assert_uint_lt(i, cb->receivers);
		save = rv[i].pos;
		rv[i].pos = save - ((uint64_t)1000 << 32);
		ck_assert_int_eq(arena_chan_release(s), 0);
		rv[i].pos = save - ((uint64_t)1000 << 32);
		/* Further behind than the ring allows: the producer counts
		 * the ring full (it waits, it never overwrites), and
		 * arena_check() says why. */
		int e = 0;
		for (int k = 0; k < 64 && e == 0; k++)
			if (arena_chan_send(p, "x", 1, &zero) < 0)
				e = errno;
		ck_assert_int_eq(e, EAGAIN);
		TU_FAILS_WITH(arena_chan_send(p, "x", 1, &zero), -1, EAGAIN);
		found_text[0] = 0;
		ck_assert_int_eq(arena_check(a, note, NULL), 1);
		ck_assert_msg(strstr(found_text, "hold positions the ring cannot"),
		              "%s", found_text);
		rv[i].pos = save;
		while (arena_chan_recv(s, &m, &zero) == 0)
			ck_assert(m.len == 1 && *(const char *)m.data == 'x');
		ck_assert_int_eq(errno, EAGAIN);
		ck_assert_int_eq(arena_chan_release(s), 0);
		ck_assert_int_eq(arena_chan_send(p, "x", 1, &zero), 0);
	}
	/* A damaged identity line: open and stat refuse. */
	ck_assert_int_eq(arena_check(a, NULL, NULL), 0);
	cb->capacity ^= 1;
	TU_FAILS_WITH(arena_chan_open(a, "c", ARENA_CHAN_PRODUCER, NULL), NULL,
	              EBADMSG);
	found_text[0] = 0;
	ck_assert_int_eq(arena_check(a, note, NULL), 1);
	ck_assert_msg(strstr(found_text, "channel 'c': control block damaged"),
	              "%s", found_text);
	cb->capacity ^= 1;
	cb->version = 9;
	TU_FAILS_WITH(arena_chan_open(a, "c", ARENA_CHAN_PRODUCER, NULL), NULL,
	              EPROTONOSUPPORT);
	cb->version = FMT_CHAN_VERSION;
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_chan_close(s), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

static Suite *chan_suite(void)
{
	Suite *s = suite_create("chan");
	TCase *tc = tu_tcase(s, "chan", 60);

	tcase_add_test(tc, errors);
	tcase_add_test(tc, order_and_laps);
	tcase_add_test(tc, back_pressure);
	tcase_add_test(tc, copying);
	tcase_add_test(tc, many_producers);
	tcase_add_test(tc, dead_producer_gap);
	tcase_add_test(tc, dead_subscriber);
	tcase_add_test(tc, dead_member_lost);
	tcase_add_test(tc, sleep_and_wake);
	tcase_add_test(tc, survives_reset);
	tcase_add_test(tc, scribbles);
	return s;
}

int main(void)
{
	return tu_main(chan_suite(), "chan");
}
