/*
 * check_chan_regress.c - regression tests of two channel bugs the crash
 * storm found, each of which these tests reproduced before its fix:
 * stale_live_ebadmsg, a claim failing with EBADMSG because a producer's
 * cached "live" verdict outlived a receiver that others had already left
 * more than a capacity behind; member_tentative_hold_lost, a member killed
 * while taking (having taken nothing) counted as having lost a message;
 * and one the Promela model found (tests/model/chan.pml, F2):
 * gaps_give_space_back, dead claims whose space was never given back.
 */
#include "testutil.h"
#include "../lib/format.h"

static const struct timespec zero = { 0, 0 };

static arena_t *mk(const char *name)
{
	struct arena_options o = { 0 };

	o.perm_size = 4 << 20;
	o.proc_slots = 16;
	o.perm_dir_slots = 64;
	return tu_create(name, 8 << 20, &o);
}

struct sub_arg {
	const char *key;
	const char *group;      /* NULL: a subscriber */
	int spin;               /* members: receive (zero timeout) for ever */
	struct tu_gate gate;
};

/* A receiver that joins, says so, then holds on the gate or spins in
 * arena_chan_recv() with a zero timeout until killed. */
static int receiver(void *arg)
{
	struct sub_arg *sa = arg;
	arena_t *a = arena_attach(tu_seg, 0);
	arena_chan_t *c;
	struct arena_msg m;

	if (a == NULL)
		return tu_fail(1, "attach: %s", strerror(errno));
	c = arena_chan_open(a, sa->key, sa->group ? ARENA_CHAN_MEMBER
	                                          : ARENA_CHAN_SUBSCRIBER,
	                    sa->group);
	if (c == NULL)
		return tu_fail(2, "open: %s", strerror(errno));
	tu_gate_signal(&sa->gate, 'j');
	if (sa->spin)
		for (;;)
			if (arena_chan_recv(c, &m, &zero) == 0)
				return tu_fail(3, "a message on an empty channel");
	tu_gate_hold(&sa->gate);
	for (;;)
		pause();
	return 0;
}

/*
 * Bug 1: a claim fails with EBADMSG (the error for a peer's scribble) in
 * normal use.  Producer handle P1 finds the ring full because of
 * subscriber S and caches "S is live" for LIVE_CACHE_NS (1 ms).  S is
 * killed.  Producer P2 (a handle with its own cache, which looks at S only
 * after its death) sees S dead and sends more than a capacity.  P1's next
 * claim, within the millisecond, counts the dead S with a position more
 * than a capacity behind the tail and fails with EBADMSG; a claim by a
 * correct peer must succeed (or find the ring full).  Here P1 claims in a
 * loop (refreshing its verdict each millisecond) while S is killed; as
 * soon as arena_chan_stat() shows S dead, P2 sends 2.5 laps and P1 claims
 * once more.  30 rounds, S killed at different moments of P1's
 * millisecond; none may fail.
 */
START_TEST(stale_live_ebadmsg)
{
	arena_t *a = mk(tu_seg);
	struct arena_chan_config cfg = { .capacity = 4096, .slots = 64 };
	unsigned bad = 0, tried = 0;
	char buf[256];

	memset(buf, 'x', sizeof buf);
	for (int round = 0; round < 30; round++) {
		char key[32];
		struct sub_arg sa = { .key = key };
		arena_chan_t *p1, *p2;
		pid_t pid;
		double t0, t1 = 0;
		void *m = NULL;

		snprintf(key, sizeof key, "c%d", round);
		ck_assert_msg(arena_chan_create(a, key, &cfg) == 0, "create: %s",
		              strerror(errno));
		tu_gate_init(&sa.gate);
		pid = tu_fork(receiver, &sa);
		ck_assert_int_eq(tu_gate_wait(&sa.gate), 'j');
		p1 = arena_chan_open(a, key, ARENA_CHAN_PRODUCER, NULL);
		/* P2 joins now: a join frees dead entries, and S must stay
		 * in the table, dead. */
		p2 = arena_chan_open(a, key, ARENA_CHAN_PRODUCER, NULL);
		ck_assert(p1 != NULL && p2 != NULL);
		while (arena_chan_send(p1, buf, sizeof buf, &zero) == 0)
			;
		ck_assert_int_eq(errno, EAGAIN);   /* full: S holds it */
		t0 = tu_now_ms();
		for (int killed = 0;;) {
			siginfo_t si;

			/* S dead: a zombie has closed its files (its locks
			 * are gone) */
			memset(&si, 0, sizeof si);
			ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED |
			                        WNOHANG | WNOWAIT), 0);
			if (si.si_pid == pid)
				break;
			/* P1: full while S lives (the verdict cached 1 ms) */
			m = arena_chan_claim(p1, sizeof buf, &zero);
			if (m != NULL) {
				/* P1 saw S dead first: no trial this round */
				ck_assert_int_eq(arena_chan_abort(p1), 0);
				break;
			}
			ck_assert_int_eq(errno, EAGAIN);
			/* P1 refreshes its verdict each millisecond: kill S
			 * once it has done so a few times. */
			if (!killed && tu_now_ms() - t0 > 3 + 0.1 * (round % 10)) {
				ck_assert_int_eq(kill(pid, SIGKILL), 0);
				killed = 1;
			}
			ck_assert_msg(tu_now_ms() - t0 < 5000, "S does not die");
		}
		t1 = tu_now_ms();
		if (m != NULL)
			goto next;
		for (int i = 0; i < 40; i++)
			ck_assert_int_eq(arena_chan_send(p2, buf, sizeof buf, &zero),
			                 0);
		m = arena_chan_claim(p1, sizeof buf, &zero);
		if (getenv("DBG"))
			fprintf(stderr, "round %d: %.3f ms after S was seen dead: "
			        "%s\n", round, tu_now_ms() - t1,
			        m ? "ok" : strerror(errno));
		tried++;
		if (m != NULL)
			ck_assert_int_eq(arena_chan_abort(p1), 0);
		else if (errno == EBADMSG)
			bad++;
		else
			ck_assert_msg(errno == EAGAIN, "claim: %s", strerror(errno));
next:
		(void)tu_wait_status(pid);
		ck_assert_int_eq(arena_chan_close(p1), 0);
		ck_assert_int_eq(arena_chan_close(p2), 0);
		close(sa.gate.ready[0]);
		close(sa.gate.ready[1]);
		close(sa.gate.hold[0]);
		tu_gate_release(&sa.gate);
	}
	fprintf(stderr, "stale_live_ebadmsg: in %u of %u rounds a claim failed "
	        "with EBADMSG\n", bad, tried);
	ck_assert_msg(bad == 0, "in %u of %u rounds, a claim by a correct "
	              "producer failed with EBADMSG after a subscriber died",
	              bad, tried);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/*
 * Bug 2: a member that dies inside arena_chan_recv() while it has
 * published its tentative hold (hold_n = 1 before the group's next is
 * moved) is counted as having lost a message, though it took none.  Here
 * the channel is empty for the whole test: no message exists, so the
 * group's lost count must stay 0.  The member spins in receives with a
 * zero timeout; it is killed at random moments, 30 times.
 */
START_TEST(member_tentative_hold_lost)
{
	arena_t *a = mk(tu_seg);
	struct sub_arg sa = { .key = "c", .group = "g", .spin = 1 };
	arena_chan_t *keep, *p;
	uint64_t seed = 12345, lost = 0;
	unsigned kills = 0;

	ck_assert_int_eq(arena_chan_create(a, "c", NULL), 0);
	p = arena_chan_open(a, "c", ARENA_CHAN_PRODUCER, NULL);
	keep = arena_chan_open(a, "c", ARENA_CHAN_MEMBER, "g");  /* the group
	                                                            lives on */
	ck_assert(p != NULL && keep != NULL);
	for (int round = 0; round < 30; round++) {
		arena_chan_t *join;
		pid_t pid;

		tu_gate_init(&sa.gate);
		pid = tu_fork(receiver, &sa);
		ck_assert_int_eq(tu_gate_wait(&sa.gate), 'j');
		tu_sleep_ms(1 + (unsigned)(tu_rand(&seed) % 5));
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		(void)tu_wait_status(pid);
		kills++;
		/* A join frees the dead entry and counts its hold. */
		join = arena_chan_open(a, "c", ARENA_CHAN_MEMBER, "g");
		ck_assert_ptr_nonnull(join);
		ck_assert_int_eq(arena_chan_close(join), 0);
		close(sa.gate.ready[0]);
		close(sa.gate.ready[1]);
		close(sa.gate.hold[0]);
		close(sa.gate.hold[1]);
	}
	{
		struct arena_chan_stat st;
		struct arena_chan_peer peers[16];
		size_t np = 16;

		ck_assert_int_eq(arena_chan_stat(a, "c", &st, peers, &np), 0);
		ck_assert_uint_eq(st.seq, 0);           /* nothing was sent */
		for (size_t i = 0; i < np && i < 16; i++)
			if (peers[i].role == ARENA_CHAN_GROUP)
				lost = peers[i].lost;
	}
	fprintf(stderr, "member_tentative_hold_lost: %u members killed, no "
	        "message sent, lost count %llu\n", kills,
	        (unsigned long long)lost);
	ck_assert_msg(lost == 0, "the group counts %llu messages lost; no "
	              "message was ever sent", (unsigned long long)lost);
	ck_assert_int_eq(arena_chan_close(keep), 0);
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

/* A producer that claims a whole capacity and dies: its claims become
 * gaps, whose lengths no receiver learns.  Receivers that have passed
 * them must still give their space back (found by the Promela model, F2:
 * the channel was full for good, every process alive). */
static int claim_all_and_die(void *arg)
{
	arena_t *a = arena_attach(tu_seg, 0);
	arena_chan_t *p;
	size_t lens[4] = { 1024, 1024, 1024, 1024 };
	void *ms[4];

	(void)arg;
	if (a == NULL || (p = arena_chan_open(a, "g", ARENA_CHAN_PRODUCER,
	                                      NULL)) == NULL)
		return tu_fail(1, "open: %s", strerror(errno));
	if (arena_chan_claimv(p, 4, lens, ms, &zero) != 4)
		return tu_fail(2, "claimv: %s", strerror(errno));
	_exit(0);
}

START_TEST(gaps_give_space_back)
{
	arena_t *a = mk(tu_seg);
	struct arena_chan_config cfg = { .capacity = 4096, .slots = 8 };
	const struct timespec tenth = { 0, 100000000 };
	arena_chan_t *s, *m, *p;
	struct arena_msg msg;
	char buf[1024];

	ck_assert_int_eq(arena_chan_create(a, "g", &cfg), 0);
	s = arena_chan_open(a, "g", ARENA_CHAN_SUBSCRIBER, NULL);
	m = arena_chan_open(a, "g", ARENA_CHAN_MEMBER, "w");
	ck_assert(s != NULL && m != NULL);
	tu_wait_ok(tu_fork(claim_all_and_die, NULL));
	p = arena_chan_open(a, "g", ARENA_CHAN_PRODUCER, NULL);
	ck_assert_ptr_nonnull(p);
	TU_FAILS_WITH(arena_chan_send(p, buf, sizeof(buf), &zero), -1, EAGAIN);
	/* The receivers skip the dead claims, find nothing after them, and
	 * give back what the gaps held. */
	TU_FAILS_WITH(arena_chan_recv(s, &msg, &tenth), -1, ETIMEDOUT);
	TU_FAILS_WITH(arena_chan_recv(m, &msg, &tenth), -1, ETIMEDOUT);
	memset(buf, 'z', sizeof(buf));
	for (int i = 0; i < 12; i++) {
		ck_assert_int_eq(arena_chan_send(p, buf, sizeof(buf), &zero), 0);
		ck_assert_int_eq(arena_chan_recv(s, &msg, &zero), 0);
		ck_assert_uint_eq(msg.len, sizeof(buf));
		ck_assert_int_eq(arena_chan_recv(m, &msg, &zero), 0);
		ck_assert_int_eq(((const char *)msg.data)[1023], 'z');
	}
	ck_assert_int_eq(arena_chan_close(p), 0);
	ck_assert_int_eq(arena_chan_close(m), 0);
	ck_assert_int_eq(arena_chan_close(s), 0);
	ck_assert_int_eq(arena_detach(a), 0);
}
END_TEST

static Suite *bugs_suite(void)
{
	Suite *s = suite_create("chan_regress");
	TCase *tc = tu_tcase(s, "bugs", 60);

	tcase_add_test(tc, stale_live_ebadmsg);
	tcase_add_test(tc, member_tentative_hold_lost);
	tcase_add_test(tc, gaps_give_space_back);
	return s;
}

int main(void)
{
	return tu_main(bugs_suite(), "chan_regress");
}
