/*
 * check_collector.c - the collector pattern with live peers and no forced
 * reset (issue 9, "How it is shown"), in two variants: with
 * acknowledgements and a reset thread (test case "acks"), and with the
 * two-step reset, arena_reset_prepare() and arena_reset_commit() (test case
 * "two_step").
 *
 * Producer processes attach a small arena by name and write records: a
 * header {producer id, sequence number, length, checksum} and a payload
 * whose pattern follows from (id, seq).  A producer works in batches: it
 * enters a section, allocates and writes up to 8 records, hands their
 * references to the collector (one write of at most PIPE_BUF bytes to its
 * own pipe: all of it or nothing arrives), in the first variant waits for
 * the collector's acknowledgement, and only then leaves the section.  When
 * an allocation fails with ENOMEM it says so in the batch ("full in
 * generation G"), leaves, and sleeps in arena_wait_generation(G).
 *
 * The collector is this test process.  Its receiver thread reads every
 * producer's pipe and checks each record through arena_get(); its
 * supervisor (the main thread) SIGKILLs a random producer every few
 * milliseconds, inside or outside its section, and starts another in its
 * slot under a new id, so that records of the dead stay apart.  Each time a
 * producer reports the current generation full, the collector resets:
 *
 * - "acks": the receiver acknowledges each batch, and a resetter thread
 *   calls arena_reset_wait() (2 s timeout).  Why the acknowledgement: a
 *   section holds a reset off only while it is open.  A reference that a
 *   producer handed over and then left its section is safe only as long
 *   as the collector does not reset, and a collector that resets with
 *   arena_reset_wait() cannot read what arrives while that call waits: the
 *   producers it waits for hand over their last records and leave, and the
 *   reset completes before they are read (they would be stale).  So the
 *   hand-over is done inside the producer's section: the producer leaves
 *   only once the receiver has checked the record.  The receiver must then
 *   never wait for a reset: it uses no section of its own (one entered
 *   while a reset is pending waits for that reset, which waits for the
 *   producer, which waits for the receiver), and needs none, as the
 *   producer's open section keeps what it reads in place.
 *
 * - "two_step": no acknowledgement and no other thread: the receiver
 *   itself calls arena_reset_prepare() (2 s timeout), which returns once no
 *   section is open, after which none can enter; then it reads every pipe
 *   until it is empty, checking each record, and only then calls
 *   arena_reset_commit().  Every reference a producer sent was sent from a
 *   section, so by the prepare's return all of them are in the pipes, and
 *   they stay valid until the commit: no record may be stale, not even one
 *   of a producer killed since.
 *
 * Now and then a producer sleeps between allocating a record and writing
 * it, as a preempted one would: were a reset to complete meanwhile, its
 * write would land in records of the next generation.
 *
 * At the end: every record of every producer that lived to the end was
 * received intact, in sequence, none twice, none missing; no record was
 * ever corrupt or mixed (a record read whole in a generation that did not
 * end during the read must be exactly what its producer wrote); records of
 * killed producers may be lost as stale with acknowledgements, and only
 * from their last batch, and not at all in two steps; no reset timed out
 * (a section of a dead producer does not count) and none waited longer
 * than its timeout; no producer slept on the generation for long.
 *
 * What it catches, tried by changing this file: a forced reset instead of
 * the waiting one, or producers that use no section, give corrupt (mixed)
 * records and stale records of live producers; producers that leave their
 * section before the acknowledgement give stale records of live producers
 * (the hand-over above); a receiver that enters a section, however
 * briefly, stalls every reset until a timeout or a kill ends it.  In two
 * steps, a commit before the pipes are read, or arena_reset_wait() in
 * place of the two steps, gives stale records of live producers.
 *
 * COLLECTOR_SECONDS sets the duration of each variant (5 s by default;
 * make stress runs longer; CK_RUN_CASE=acks or two_step runs one),
 * COLLECTOR_PRODUCERS the number of producers (4 by default, at most 16)
 * and COLLECTOR_SEED the seed (printed).  CK_TIMEOUT_MULTIPLIER (valgrind)
 * stretches the timeouts and lowers the counts a run must reach.
 */
#include <limits.h>
#include <pthread.h>
#include <urcu/arch.h>
#include <urcu/uatomic.h>

#include "testutil.h"

#define CAPACITY      (32u << 10)   /* small: thousands of resets */
#define MAX_PRODUCERS 16
#define MAX_IDS       (1u << 16)    /* producer incarnations in one run */
#define BATCH_MAX     8             /* records per section */
#define PAYLOAD_MIN   8
#define PAYLOAD_MAX   1000
#define RESET_TIMEOUT_MS 2000       /* stretched by tu_ms() */
#define PARK_LIMIT_MS 10000         /* a producer asleep that long: a bug */

/* A record in the arena. */
struct rec_hdr {
	uint32_t id;
	uint32_t len;           /* payload bytes */
	uint64_t seq;
	uint64_t sum;           /* rec_sum() */
};

/* A message on a producer's pipe. */
enum { M_REC = 1, M_END, M_BYE };
struct msg {
	uint32_t kind;
	uint32_t id;
	uint64_t seq;           /* M_REC: the record's; M_END: the
	                           generation found full, or 0; M_BYE: the
	                           number of records sent */
	uint64_t ref;           /* M_REC: the reference; M_END: records in
	                           the batch */
};
_Static_assert((BATCH_MAX + 1) * sizeof(struct msg) <= PIPE_BUF,
               "a batch is one atomic pipe write");

/* What producers and the collector share (anonymous MAP_SHARED). */
struct pshared {
	volatile int stop;                  /* producers: finish and say bye */
	uint32_t in_section[MAX_PRODUCERS]; /* 1 between enter and leave,
	                                       2 while pausing there */
	uint32_t pause[MAX_PRODUCERS];      /* two steps: the supervisor asks
	                                       for a pause in the next section */
	uint64_t parks;                     /* ENOMEM: slept on the generation */
	uint64_t park_max_us;               /* longest such sleep */
};

static struct pshared *ps;

/* The variant this test process runs (the loop index of the test). */
enum { WITH_ACKS, TWO_STEP };
static int variant;

/* ---- records ------------------------------------------------------------ */

static uint64_t fnv_more(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t rec_key(uint32_t id, uint64_t seq)
{
	return ((uint64_t)id << 40) ^ seq;
}

/* rec_sum -- the checksum of a record: its id, length, seq and payload. */
static uint64_t rec_sum(const struct rec_hdr *h, const void *payload)
{
	uint64_t s = UINT64_C(0xcbf29ce484222325);

	s = fnv_more(s, &h->id, sizeof h->id);
	s = fnv_more(s, &h->len, sizeof h->len);
	s = fnv_more(s, &h->seq, sizeof h->seq);
	return fnv_more(s, payload, h->len);
}

/* ---- producers ------------------------------------------------------------ */

struct pctx {
	unsigned slot;
	uint32_t id;
	uint64_t seed;
	int out;                /* messages to the collector */
	int in;                 /* acknowledgements from it (WITH_ACKS) */
};

static int write_all(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static void atomic_max(uint64_t *m, uint64_t v)
{
	uint64_t cur = uatomic_read(m);

	while (v > cur) {
		uint64_t was = uatomic_cmpxchg(m, cur, v);

		if (was == cur)
			break;
		cur = was;
	}
}

/* park -- sleep until generation GEN has ended (or the test stops). */
static int park(arena_t *a, uint64_t gen)
{
	double t0 = tu_now_ms(), t;

	uatomic_inc(&ps->parks);
	for (;;) {
		struct timespec ts = { 0, 100 * 1000000L };

		if (arena_wait_generation(a, gen, &ts) == 0)
			break;
		if (errno != ETIMEDOUT)
			return tu_fail(10, "arena_wait_generation: %s",
			               strerror(errno));
		if (ps->stop)
			break;
		if (tu_now_ms() - t0 > tu_ms(PARK_LIMIT_MS))
			return tu_fail(11, "generation %llu still current "
			               "after %.0f ms: the collector never reset",
			               (unsigned long long)gen,
			               tu_ms(PARK_LIMIT_MS));
	}
	t = tu_now_ms() - t0;
	atomic_max(&ps->park_max_us, (uint64_t)(t * 1000));
	return 0;
}

/* in_section_pause -- pause in a section, long enough for the supervisor
 * to see it and kill this producer. */
static void in_section_pause(unsigned slot)
{
	uatomic_set(&ps->in_section[slot], 2);
	usleep(20000);
	uatomic_set(&ps->in_section[slot], 1);
}

static int producer(void *arg)
{
	struct pctx *c = arg;
	arena_t *a = arena_attach(tu_seg, 0);
	struct arena_local l;
	uint64_t seq = 0, seed = c->seed;
	int use_cache = (int)(c->id & 1);
	struct msg m[BATCH_MAX + 1];

	if (a == NULL || arena_local_init(&l, a, 0) < 0)
		return tu_fail(2, "attach: %s", strerror(errno));
	while (!ps->stop) {
		unsigned n = 1 + (unsigned)(tu_rand(&seed) % BATCH_MAX), k = 0;
		uint64_t full = 0;
		char ack;
		ssize_t r;
		int pause, pause_late = (int)(tu_rand(&seed) & 1);

		if (arena_section_enter(&l) < 0)
			return tu_fail(3, "enter: %s", strerror(errno));
		uatomic_set(&ps->in_section[c->slot], 1);
		pause = variant == TWO_STEP &&
		        uatomic_xchg(&ps->pause[c->slot], 0) != 0;
		for (unsigned i = 0; i < n; i++) {
			uint32_t len = PAYLOAD_MIN + (uint32_t)(tu_rand(&seed) %
			               (PAYLOAD_MAX - PAYLOAD_MIN + 1));
			size_t size = sizeof(struct rec_hdr) + len;
			arena_ref_t ref = use_cache ?
			                  arena_local_alloc(&l, size, 8) :
			                  arena_alloc(a, size, 8);
			struct rec_hdr *h;

			if (ref == ARENA_NULL) {
				struct arena_stat st;

				if (errno != ENOMEM)
					return tu_fail(4, "alloc: %s",
					               strerror(errno));
				/* Inside the section the generation cannot
				 * move: this is the one found full. */
				if (arena_stat(a, &st) < 0)
					return tu_fail(5, "stat: %s",
					               strerror(errno));
				full = st.generation;
				break;
			}
			/* Now and then a producer is slow to write what it
			 * allocated (preempted, say): only its section keeps
			 * a reset from completing meanwhile. */
			if (tu_rand(&seed) % 256 == 0)
				usleep(1 + (useconds_t)(tu_rand(&seed) % 1000));
			h = arena_ptr(a, ref);
			h->id = c->id;
			h->len = len;
			h->seq = seq;
			tu_fill(h + 1, len, rec_key(c->id, seq));
			h->sum = rec_sum(h, h + 1);
			m[k].kind = M_REC;
			m[k].id = c->id;
			m[k].seq = seq++;
			m[k].ref = ref;
			k++;
		}
		m[k].kind = M_END;
		m[k].id = c->id;
		m[k].seq = full;
		m[k].ref = k;
		/* Hand the references over, still inside the section; with
		 * acknowledgements, leave only once the collector has taken
		 * them.  A pause asked for is made before or after the
		 * hand-over; the supervisor kills the producer in it. */
		if (pause && !pause_late)
			in_section_pause(c->slot);
		if (write_all(c->out, m, (k + 1) * sizeof m[0]) < 0)
			return tu_fail(6, "write: %s", strerror(errno));
		if (pause && pause_late)
			in_section_pause(c->slot);
		if (variant == WITH_ACKS) {
			do
				r = read(c->in, &ack, 1);
			while (r < 0 && errno == EINTR);
			if (r != 1)
				return tu_fail(7, "no acknowledgement: %s",
				               r == 0 ? "EOF" : strerror(errno));
		}
		uatomic_set(&ps->in_section[c->slot], 0);
		if (arena_section_leave(&l) < 0)
			return tu_fail(8, "leave: %s", strerror(errno));
		if (full != 0 && park(a, full) != 0)
			return 9;
	}
	m[0].kind = M_BYE;
	m[0].id = c->id;
	m[0].seq = seq;
	m[0].ref = 0;
	if (write_all(c->out, m, sizeof m[0]) < 0)
		return tu_fail(12, "write: %s", strerror(errno));
	(void)arena_local_flush(&l);
	return arena_detach(a) == 0 ? 0 : tu_fail(13, "detach");
}

/* ---- the collector -------------------------------------------------------- */

enum { S_FREE, S_LIVE, S_KILLED };

struct slot {
	int state;
	pid_t pid;
	uint32_t id;
	int data;               /* read end of the producer's pipe
	                           (non-blocking); -1 */
	int ack;                /* write end of its acknowledgements; -1
	                           (always, in two steps) */
	unsigned char buf[4096];/* receiver: a message read in part */
	size_t have;
};

/* What the receiver learnt of one producer id. */
struct idstat {
	uint64_t next_seq;      /* expected next */
	uint64_t stale;         /* records found stale */
	uint64_t bye;           /* records it said it sent, + 1 (0: no bye) */
	uint32_t batch;         /* batches seen */
	uint32_t stale_batch;   /* the batch of its first stale record, + 1 */
	uint8_t killed;         /* the supervisor killed it */
	uint8_t exited;         /* it exited with status 0 */
	uint8_t lost_live;      /* it went on after a stale record */
};

struct collector {
	arena_t *a;
	unsigned nprod;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slots[MAX_PRODUCERS];
	struct idstat *ids;
	uint32_t next_id;
	int stopping;           /* no more producers are started */
	int done;               /* receiver: every pipe is closed */
	uint64_t full_gen;      /* latest generation reported full */
	uint64_t cur_gen;       /* the resetter's view of the generation */
	uint64_t seed;
	/* counts */
	uint64_t records, batches, resets, timeouts;
	double wait_max_ms, wait_sum_ms;   /* in reset_wait or prepare */
	uint64_t drained;       /* two steps: records read while prepared */
	double hold_max_ms;     /* two steps: longest prepare to commit */
	uint64_t kills, kills_in_section;
	uint64_t corrupt, disorder, stale_then_more;
	/* failures: how many, and the first */
	unsigned fails;
	char first[512];
};

static void fail_note(struct collector *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_note(struct collector *c, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&c->mu);
	if (c->fails++ == 0) {
		va_start(ap, fmt);
		vsnprintf(c->first, sizeof c->first, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&c->mu);
}

static uint64_t generation(const arena_t *a)
{
	struct arena_stat st;

	return arena_stat(a, &st) == 0 ? st.generation : 0;
}

enum { V_INTACT, V_STALE, V_CORRUPT };

/*
 * verify -- read the record REF of (ID, SEQ) as the collector does: checked
 * with arena_get(), copied out, and the copy trusted only if the
 * generation did not end during the copy (a reset, and a newer record
 * written over this one, could otherwise tear it).  Only a producer that
 * died can have its section end before its record is read.
 */
static int verify(arena_t *a, uint64_t ref, uint32_t id, uint64_t seq,
                  char *why, size_t n)
{
	unsigned char copy[sizeof(struct rec_hdr) + PAYLOAD_MAX];
	struct rec_hdr h;
	const void *p;
	size_t bad;

	p = arena_get(a, ref, sizeof h);
	if (p == NULL) {
		if (errno == ESTALE)
			return V_STALE;
		snprintf(why, n, "arena_get(%#llx): %s",
		         (unsigned long long)ref, strerror(errno));
		return V_CORRUPT;
	}
	memcpy(&h, p, sizeof h);
	if (h.len <= PAYLOAD_MAX &&
	    (p = arena_get(a, ref, sizeof h + h.len)) != NULL)
		memcpy(copy, p, sizeof h + h.len);
	else
		p = NULL;
	cmm_smp_rmb();
	if (arena_get(a, ref, 1) == NULL)
		return V_STALE;         /* the copy may be torn: not evidence */
	if (p == NULL) {
		snprintf(why, n, "record %u.%llu: length %u%s",
		         id, (unsigned long long)seq, h.len,
		         h.len <= PAYLOAD_MAX ? " past the allocated part" : "");
		return V_CORRUPT;
	}
	memcpy(&h, copy, sizeof h);
	if (h.id != id || h.seq != seq) {
		snprintf(why, n, "record %u.%llu holds the header of %u.%llu",
		         id, (unsigned long long)seq, h.id,
		         (unsigned long long)h.seq);
		return V_CORRUPT;
	}
	if (h.sum != rec_sum(&h, copy + sizeof h)) {
		snprintf(why, n, "record %u.%llu (%u bytes): checksum wrong",
		         id, (unsigned long long)seq, h.len);
		return V_CORRUPT;
	}
	bad = tu_check_fill(copy + sizeof h, h.len, rec_key(id, seq));
	if (bad != h.len) {
		snprintf(why, n, "record %u.%llu: payload byte %zu of %u wrong",
		         id, (unsigned long long)seq, bad, h.len);
		return V_CORRUPT;
	}
	return V_INTACT;
}

/* take -- one message from slot S's pipe. */
static void take(struct collector *c, struct slot *s, const struct msg *m)
{
	struct idstat *is;
	char why[200];

	if (m->id != s->id || m->id >= MAX_IDS) {
		fail_note(c, "message of id %u on the pipe of id %u", m->id,
		          s->id);
		return;
	}
	is = &c->ids[m->id];
	switch (m->kind) {
	case M_REC:
		if (m->seq != is->next_seq) {
			c->disorder++;
			fail_note(c, "producer %u: record %llu where %llu was "
			          "due (out of order, duplicated or missing)",
			          m->id, (unsigned long long)m->seq,
			          (unsigned long long)is->next_seq);
			is->next_seq = m->seq;
		}
		is->next_seq++;
		if (is->stale_batch != 0 && is->batch + 1 > is->stale_batch &&
		    !is->lost_live) {
			is->lost_live = 1;
			c->stale_then_more++;
			fail_note(c, "producer %u: a record after a batch with "
			          "a stale one (a live producer lost a record)",
			          m->id);
		}
		switch (verify(c->a, m->ref, m->id, m->seq, why, sizeof why)) {
		case V_INTACT:
			c->records++;
			break;
		case V_STALE:
			is->stale++;
			if (is->stale_batch == 0)
				is->stale_batch = is->batch + 1;
			/* In two steps every record is read before the
			 * commit that could make it stale. */
			if (variant == TWO_STEP)
				fail_note(c, "producer %u%s: record %llu stale",
				          m->id, is->killed ? " (killed)" : "",
				          (unsigned long long)m->seq);
			break;
		default:
			c->corrupt++;
			fail_note(c, "corrupt: %s", why);
		}
		break;
	case M_END:
		is->batch++;
		c->batches++;
		/* Full: wake the resetter (in two steps, the receiver
		 * resets once through what it has read), unless that
		 * generation is over (a producer killed after saying so is
		 * read late). */
		if (m->seq != 0 && m->seq == generation(c->a)) {
			pthread_mutex_lock(&c->mu);
			c->full_gen = m->seq;
			pthread_cond_signal(&c->cv);
			pthread_mutex_unlock(&c->mu);
		}
		/* The producer may be dead: EPIPE is ignored (SIGPIPE too). */
		if (variant == WITH_ACKS)
			(void)!write(s->ack, "k", 1);
		break;
	case M_BYE:
		is->bye = m->seq + 1;
		break;
	default:
		fail_note(c, "producer %u: message of kind %u", m->id, m->kind);
	}
}

/* read_slot -- read what slot S's pipe holds (its descriptor is
 * non-blocking) and take every whole message.  Returns what read(2)
 * returned: > 0 bytes, 0 at EOF (the pipe is then closed), -1 (EAGAIN:
 * nothing to read). */
static ssize_t read_slot(struct collector *c, struct slot *s)
{
	size_t off = 0;
	ssize_t r = read(s->data, s->buf + s->have, sizeof s->buf - s->have);

	if (r < 0)
		return r;
	if (r == 0) {
		/* The producer is gone: exited or killed. */
		if (s->have != 0)
			fail_note(c, "producer %u: a message cut in two",
			          s->id);
		pthread_mutex_lock(&c->mu);
		close(s->data);
		if (s->ack >= 0)
			close(s->ack);
		s->data = s->ack = -1;
		s->have = 0;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	s->have += (size_t)r;
	while (s->have - off >= sizeof(struct msg)) {
		struct msg m;

		memcpy(&m, s->buf + off, sizeof m);
		take(c, s, &m);
		off += sizeof m;
	}
	memmove(s->buf, s->buf + off, s->have - off);
	s->have -= off;
	return r;
}

static struct timespec reset_timeout(void)
{
	long ms = (long)tu_ms(RESET_TIMEOUT_MS);

	return (struct timespec){ ms / 1000, (ms % 1000) * 1000000L };
}

static void note_wait(struct collector *c, double t0)
{
	double dt = tu_now_ms() - t0;

	if (dt > c->wait_max_ms)
		c->wait_max_ms = dt;
	c->wait_sum_ms += dt;
}

/*
 * reset_two_step -- the receiver's reset in two steps: prepare (no
 * section is open, and none can enter), read every pipe until it is
 * empty, checking each record as ever, then commit.  A failed prepare is
 * tried again at the receiver's next round (c->full_gen stays).
 */
static void reset_two_step(struct collector *c)
{
	const struct timespec to = reset_timeout();
	unsigned idx[MAX_PRODUCERS], n = 0;
	uint64_t before = c->records;
	double t0 = tu_now_ms(), held;
	int rc = arena_reset_prepare(c->a, &to);
	int err = errno;

	note_wait(c, t0);
	if (rc < 0) {
		if (err == ETIMEDOUT)
			c->timeouts++;
		else
			fail_note(c, "arena_reset_prepare: %s", strerror(err));
		return;
	}
	held = tu_now_ms();
	/* The pipes open now: a producer started later cannot have sent
	 * anything from a section, none being able to enter. */
	pthread_mutex_lock(&c->mu);
	for (unsigned i = 0; i < c->nprod; i++)
		if (c->slots[i].data >= 0)
			idx[n++] = i;
	pthread_mutex_unlock(&c->mu);
	for (unsigned j = 0; j < n; j++)
		while (read_slot(c, &c->slots[idx[j]]) > 0)
			continue;
	c->drained += c->records - before;
	rc = arena_reset_commit(c->a, 0);
	err = errno;
	held = tu_now_ms() - held;
	if (held > c->hold_max_ms)
		c->hold_max_ms = held;
	if (rc == 0) {
		c->resets++;
		pthread_mutex_lock(&c->mu);
		c->full_gen = 0;        /* what the pipes said is over */
		pthread_mutex_unlock(&c->mu);
	} else {
		fail_note(c, "arena_reset_commit: %s", strerror(err));
	}
}

/* receiver -- read every pipe, check every record, acknowledge every
 * batch (or reset in two steps), until the supervisor stops and every
 * pipe is closed. */
static void *receiver(void *arg)
{
	struct collector *c = arg;

	for (;;) {
		struct pollfd pfd[MAX_PRODUCERS];
		unsigned idx[MAX_PRODUCERS], n = 0;
		int stopping;

		pthread_mutex_lock(&c->mu);
		for (unsigned i = 0; i < c->nprod; i++)
			if (c->slots[i].data >= 0) {
				pfd[n].fd = c->slots[i].data;
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				idx[n++] = i;
			}
		stopping = c->stopping;
		pthread_mutex_unlock(&c->mu);
		if (n == 0) {
			if (stopping)
				break;
			tu_sleep_ms(1);
			continue;
		}
		if (poll(pfd, n, 10) <= 0)
			continue;
		for (unsigned j = 0; j < n; j++)
			if (pfd[j].revents != 0)
				(void)read_slot(c, &c->slots[idx[j]]);
		if (variant == TWO_STEP && c->full_gen != 0 &&
		    c->full_gen == generation(c->a))
			reset_two_step(c);
	}
	pthread_mutex_lock(&c->mu);
	c->done = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* resetter -- each time a producer finds the current generation full,
 * reset with the waiting mode. */
static void *resetter(void *arg)
{
	struct collector *c = arg;
	const struct timespec to = reset_timeout();

	for (;;) {
		double t0;
		int rc, err, done;

		pthread_mutex_lock(&c->mu);
		while (!c->done && c->full_gen != c->cur_gen)
			pthread_cond_wait(&c->cv, &c->mu);
		done = c->done;
		pthread_mutex_unlock(&c->mu);
		if (done)
			break;
		t0 = tu_now_ms();
		rc = arena_reset_wait(c->a, 0, &to);
		err = errno;
		note_wait(c, t0);
		if (rc == 0) {
			c->resets++;
		} else if (err == ETIMEDOUT) {
			c->timeouts++;
		} else {
			fail_note(c, "arena_reset_wait: %s", strerror(err));
			tu_sleep_ms(10);
		}
		pthread_mutex_lock(&c->mu);
		c->cur_gen = generation(c->a);
		pthread_mutex_unlock(&c->mu);
	}
	return NULL;
}

/* spawn -- start a producer with a new id in free slot I.  The caller
 * holds c->mu, so that the slot table matches the descriptors the child
 * inherits. */
static void spawn(struct collector *c, unsigned i)
{
	struct slot *s = &c->slots[i];
	int data[2], ack[2] = { -1, -1 };
	struct pctx pc;
	pid_t parent = getpid(), pid;

	ck_assert_int_eq(pipe(data), 0);
	ck_assert_int_eq(fcntl(data[0], F_SETFL, O_NONBLOCK), 0);
	if (variant == WITH_ACKS)
		ck_assert_int_eq(pipe(ack), 0);
	pc.slot = i;
	pc.id = c->next_id++;
	pc.seed = tu_rand(&c->seed) | 1;
	pc.out = data[1];
	pc.in = ack[0];
	uatomic_set(&ps->in_section[i], 0);
	uatomic_set(&ps->pause[i], 0);
	fflush(NULL);
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
		/* Only our own ends: another producer's pipe must see EOF
		 * when that producer dies. */
		for (unsigned j = 0; j < c->nprod; j++) {
			if (c->slots[j].data >= 0)
				close(c->slots[j].data);
			if (c->slots[j].ack >= 0)
				close(c->slots[j].ack);
		}
		close(data[0]);
		if (ack[1] >= 0)
			close(ack[1]);
		_exit(producer(&pc));
	}
	close(data[1]);
	if (ack[0] >= 0)
		close(ack[0]);
	s->state = S_LIVE;
	s->pid = pid;
	s->id = pc.id;
	s->data = data[0];
	s->ack = ack[1];
	s->have = 0;
}

/* reap -- wait for slot I's producer, which is dead or about to exit;
 * its exit status goes to its id. */
static int reap(struct collector *c, unsigned i)
{
	struct slot *s = &c->slots[i];
	int st = tu_wait_status(s->pid);

	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		c->ids[s->id].exited = 1;
	return st;
}

static double collector_seconds(void)
{
	const char *e = getenv("COLLECTOR_SECONDS");
	double s = e != NULL ? atof(e) : 5;

	return s > 0 ? s : 5;
}

static unsigned collector_producers(void)
{
	const char *e = getenv("COLLECTOR_PRODUCERS");
	int n = e != NULL ? atoi(e) : 4;

	return n >= 1 && n <= MAX_PRODUCERS ? (unsigned)n : 4;
}

START_TEST(collector)
{
	static const char *const vname[] = { "acks", "two steps" };
	struct collector *c = calloc(1, sizeof *c);
	double secs = collector_seconds(), t0, end;
	pthread_t rt, wt;
	uint64_t lost = 0, byes = 0, killed_ids = 0, stale_live = 0, seed0;
	const char *mult = getenv("CK_TIMEOUT_MULTIPLIER");
	double slow = mult != NULL && atof(mult) > 1 ? atof(mult) : 1;

	ck_assert_ptr_nonnull(c);
	variant = _i;
	ps = mmap(NULL, sizeof *ps, PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(ps, MAP_FAILED);
	memset(ps, 0, sizeof *ps);
	c->ids = calloc(MAX_IDS, sizeof *c->ids);
	ck_assert_ptr_nonnull(c->ids);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->nprod = collector_producers();
	c->seed = getenv("COLLECTOR_SEED") != NULL ?
	          strtoull(getenv("COLLECTOR_SEED"), NULL, 0) :
	          (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	c->seed |= 1;
	seed0 = c->seed;
	for (unsigned i = 0; i < MAX_PRODUCERS; i++)
		c->slots[i].data = c->slots[i].ack = -1;
	{
		struct arena_options o = { 0 };

		o.proc_slots = 2 * MAX_PRODUCERS + 8;
		c->a = tu_create(tu_seg, CAPACITY, &o);
	}
	c->cur_gen = generation(c->a);
	pthread_mutex_lock(&c->mu);
	for (unsigned i = 0; i < c->nprod; i++)
		spawn(c, i);
	pthread_mutex_unlock(&c->mu);
	ck_assert_int_eq(pthread_create(&rt, NULL, receiver, c), 0);
	if (variant == WITH_ACKS)
		ck_assert_int_eq(pthread_create(&wt, NULL, resetter, c), 0);

	/* The supervisor: kill at random, start again. */
	t0 = tu_now_ms();
	end = t0 + secs * 1000;
	while (tu_now_ms() < end && c->next_id < MAX_IDS - MAX_PRODUCERS) {
		unsigned i;

		tu_sleep_ms(2 + (unsigned)(tu_rand(&c->seed) % 30));
		pthread_mutex_lock(&c->mu);
		/* Restart the slots whose pipe the receiver has closed. */
		for (i = 0; i < c->nprod; i++)
			if (c->slots[i].state == S_KILLED &&
			    c->slots[i].data < 0)
				spawn(c, i);
		/* A producer that ended on its own has failed. */
		for (i = 0; i < c->nprod; i++) {
			int st;

			if (c->slots[i].state == S_LIVE &&
			    waitpid(c->slots[i].pid, &st, WNOHANG) ==
			    c->slots[i].pid) {
				c->slots[i].state = S_FREE;
				pthread_mutex_unlock(&c->mu);
				fail_note(c, "producer %u ended by itself "
				          "(status %#x)", c->slots[i].id, st);
				pthread_mutex_lock(&c->mu);
			}
		}
		i = (unsigned)(tu_rand(&c->seed) % c->nprod);
		if (c->slots[i].state == S_LIVE) {
			int in;

			/* Without acknowledgements a producer spends
			 * little time in its sections: half the kills ask
			 * for a pause in the next one, before or after its
			 * hand-over, and wait (at most 50 ms) for it. */
			if (variant == TWO_STEP && tu_rand(&c->seed) % 2) {
				/* Unlocked: the receiver goes on (only this
				 * thread changes the slot's state). */
				uatomic_set(&ps->pause[i], 1);
				pthread_mutex_unlock(&c->mu);
				for (int k = 0; k < 250 && uatomic_read(
				     &ps->in_section[i]) != 2; k++)
					usleep(200);
				pthread_mutex_lock(&c->mu);
			}
			in = uatomic_read(&ps->in_section[i]) != 0;
			kill(c->slots[i].pid, SIGKILL);
			(void)reap(c, i);
			c->ids[c->slots[i].id].killed = 1;
			c->slots[i].state = S_KILLED;
			c->kills++;
			c->kills_in_section += (uint64_t)in;
		}
		pthread_mutex_unlock(&c->mu);
	}

	/* Stop: the live producers finish their batch, say bye and exit. */
	pthread_mutex_lock(&c->mu);
	c->stopping = 1;
	pthread_mutex_unlock(&c->mu);
	ps->stop = 1;
	for (unsigned i = 0; i < c->nprod; i++)
		if (c->slots[i].state == S_LIVE) {
			int st = reap(c, i);

			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				fail_note(c, "producer %u: %s %d at the end",
				          c->slots[i].id, WIFEXITED(st) ?
				          "exit status" : "signal",
				          WIFEXITED(st) ? WEXITSTATUS(st) :
				          WTERMSIG(st));
			c->slots[i].state = S_FREE;
		}
	ck_assert_int_eq(pthread_join(rt, NULL), 0);
	if (variant == WITH_ACKS)
		ck_assert_int_eq(pthread_join(wt, NULL), 0);

	/* Every id: a producer that lived to the end lost nothing. */
	for (uint32_t id = 0; id < c->next_id; id++) {
		struct idstat *is = &c->ids[id];

		if (is->killed) {
			killed_ids++;
			lost += is->stale;
			continue;
		}
		if (!is->exited || is->bye == 0) {
			fail_note(c, "producer %u neither killed nor said bye",
			          id);
			continue;
		}
		byes++;
		stale_live += is->stale;
		if (is->bye - 1 != is->next_seq || is->stale != 0)
			fail_note(c, "producer %u (lived to the end) sent %llu "
			          "records; %llu arrived, %llu of them stale",
			          id, (unsigned long long)(is->bye - 1),
			          (unsigned long long)is->next_seq,
			          (unsigned long long)is->stale);
	}
	fprintf(stderr, "collector (%s): %u producers, %.1f s, seed %#llx: "
	        "%llu resets (longest wait %.2f ms, mean %.3f ms, %llu timed "
	        "out), %llu records received intact in %llu batches, %llu "
	        "producers killed (%llu of them seen inside a section), %llu records of "
	        "killed producers lost as stale, %llu parks on ENOMEM "
	        "(longest %.2f ms), %llu producers lived to the end\n",
	        vname[variant], c->nprod, (tu_now_ms() - t0) / 1000,
	        (unsigned long long)seed0,
	        (unsigned long long)c->resets, c->wait_max_ms,
	        c->resets ? c->wait_sum_ms / (double)c->resets : 0.0,
	        (unsigned long long)c->timeouts,
	        (unsigned long long)c->records,
	        (unsigned long long)c->batches,
	        (unsigned long long)c->kills,
	        (unsigned long long)c->kills_in_section,
	        (unsigned long long)lost,
	        (unsigned long long)uatomic_read(&ps->parks),
	        (double)uatomic_read(&ps->park_max_us) / 1000,
	        (unsigned long long)byes);
	if (variant == TWO_STEP)
		fprintf(stderr, "collector (two steps): %llu records taken in "
		        "between prepare and commit; longest such hold %.2f ms\n",
		        (unsigned long long)c->drained, c->hold_max_ms);
	if (c->fails != 0)
		fprintf(stderr, "collector: FAILED: %llu corrupt or mixed "
		        "records, %llu records stale from producers that lived "
		        "to the end, %llu producers killed later that went on "
		        "after a stale record, %llu out of sequence\n",
		        (unsigned long long)c->corrupt,
		        (unsigned long long)stale_live,
		        (unsigned long long)c->stale_then_more,
		        (unsigned long long)c->disorder);
	ck_assert_msg(c->fails == 0, "%u failures; the first: %s", c->fails,
	              c->first);
	ck_assert_msg(c->timeouts == 0, "%llu waiting resets timed out",
	              (unsigned long long)c->timeouts);
	ck_assert_msg(c->wait_max_ms < tu_ms(RESET_TIMEOUT_MS) + 250, "a reset "
	              "waited %.0f ms, its timeout being %.0f ms",
	              c->wait_max_ms, tu_ms(RESET_TIMEOUT_MS));
	ck_assert_msg(killed_ids == c->kills, "%llu ids killed, %llu kills",
	              (unsigned long long)killed_ids,
	              (unsigned long long)c->kills);
	/* The run did what it is for. */
	ck_assert_msg(c->resets >= 25 * secs / slow, "only %llu resets",
	              (unsigned long long)c->resets);
	ck_assert_msg(c->kills >= 2 * secs / slow, "only %llu kills",
	              (unsigned long long)c->kills);
	ck_assert_uint_eq(tu_stat(c->a).resets, c->resets);
	ck_assert_int_eq(arena_check(c->a, NULL, NULL), 0);
	ck_assert_int_eq(arena_detach(c->a), 0);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c->ids);
	free(c);
}
END_TEST

static Suite *collector_suite(void)
{
	Suite *s = suite_create("collector");
	TCase *acks = tu_tcase(s, "acks", collector_seconds() + 60);
	TCase *two = tu_tcase(s, "two_step", collector_seconds() + 60);

	tcase_add_loop_test(acks, collector, WITH_ACKS, WITH_ACKS + 1);
	tcase_add_loop_test(two, collector, TWO_STEP, TWO_STEP + 1);
	return s;
}

int main(void)
{
	return tu_main(collector_suite(), "collector");
}
