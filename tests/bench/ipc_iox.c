/*
 * ipc_iox.c - the iceoryx 2.0 peer of tests/bench/ipc.c, through iceoryx's
 * C binding (Debian: iceoryx, libiceoryx-binding-c-dev).  Included by
 * ipc.c when run.sh defines HAVE_IOX (the binding's headers and library
 * are installed), so that ipc.c builds without them.
 *
 * A thin layer with plain C types: one runtime per process (ioxb_init, in
 * a child after fork(): the parent never initialises one), a publisher or
 * a subscriber per service (one event name per direction), loans and
 * takes.  The publisher waits for a slow subscriber (WAIT_FOR_CONSUMER)
 * and the subscriber's queue blocks its producer (BLOCK_PRODUCER): no
 * message is dropped, as with the other transports of the benchmark.
 */
#include <iceoryx_binding_c/api.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ioxb {
	int is_pub;
	iox_pub_storage_t pst;
	iox_sub_storage_t sst;
	iox_ws_storage_t wst;
	iox_pub_t pub;
	iox_sub_t sub;
	iox_ws_t ws;
};

static double ioxb_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void ioxb_init(const char *app)
{
	iox_set_loglevel(Iceoryx_LogLevel_Error);
	iox_runtime_init(app);
}

static void ioxb_shutdown(void)
{
	iox_runtime_shutdown();
}

static struct ioxb *ioxb_pub(const char *event)
{
	struct ioxb *b = calloc(1, sizeof(*b));
	iox_pub_options_t o;

	if (b == NULL)
		return NULL;
	iox_pub_options_init(&o);
	o.historyCapacity = 0;
	o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
	b->is_pub = 1;
	b->pub = iox_pub_init(&b->pst, "arena-ipc-bench", "bench", event, &o);
	return b;
}

static struct ioxb *ioxb_sub(const char *event, unsigned queue, int waitset)
{
	struct ioxb *b = calloc(1, sizeof(*b));
	iox_sub_options_t o;

	if (b == NULL)
		return NULL;
	iox_sub_options_init(&o);
	o.queueCapacity = queue;
	o.historyRequest = 0;
	o.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
	b->sub = iox_sub_init(&b->sst, "arena-ipc-bench", "bench", event, &o);
	if (waitset) {
		b->ws = iox_ws_init(&b->wst);
		if (iox_ws_attach_subscriber_state(b->ws, b->sub,
		                                   SubscriberState_HAS_DATA, 1,
		                                   NULL) != WaitSetResult_SUCCESS) {
			iox_ws_deinit(b->ws);
			iox_sub_deinit(b->sub);
			free(b);
			return NULL;
		}
	}
	return b;
}

static int ioxb_wait_connected(struct ioxb *b, double seconds)
{
	double end = ioxb_mono() + seconds;
	struct timespec ms = { 0, 1000000 };

	while (ioxb_mono() < end) {
		if (b->is_pub ? iox_pub_has_subscribers(b->pub)
		              : iox_sub_get_subscription_state(b->sub) ==
		                    SubscribeState_SUBSCRIBED)
			return 0;
		nanosleep(&ms, NULL);
	}
	return -1;
}

static void *ioxb_loan(struct ioxb *b, size_t len)
{
	void *p = NULL;
	enum iox_AllocationResult r;

	/* Out of chunks: the subscriber holds them all; wait for it. */
	while ((r = iox_pub_loan_chunk(b->pub, &p, (uint32_t)len)) !=
	       AllocationResult_SUCCESS) {
		if (r != AllocationResult_RUNNING_OUT_OF_CHUNKS &&
		    r != AllocationResult_TOO_MANY_CHUNKS_ALLOCATED_IN_PARALLEL)
			return NULL;
	}
	return p;
}

static void ioxb_publish(struct ioxb *b, void *p)
{
	iox_pub_publish_chunk(b->pub, p);
}

static const void *ioxb_take(struct ioxb *b, int block)
{
	const void *p = NULL;
	enum iox_ChunkReceiveResult r;

	for (;;) {
		r = iox_sub_take_chunk(b->sub, &p);
		if (r == ChunkReceiveResult_SUCCESS)
			return p;
		if (r != ChunkReceiveResult_NO_CHUNK_AVAILABLE)
			return NULL;
		if (block && b->ws != NULL) {
			iox_notification_info_t info[2];
			uint64_t missed = 0;

			iox_ws_wait(b->ws, info, 2, &missed);
		}
	}
}

static void ioxb_release(struct ioxb *b, const void *p)
{
	iox_sub_release_chunk(b->sub, p);
}

static void ioxb_close(struct ioxb *b)
{
	if (b == NULL)
		return;
	if (b->is_pub) {
		iox_pub_deinit(b->pub);
	} else {
		if (b->ws != NULL) {
			iox_ws_detach_subscriber_state(b->ws, b->sub,
			                               SubscriberState_HAS_DATA);
			iox_ws_deinit(b->ws);
		}
		iox_sub_deinit(b->sub);
	}
	free(b);
}
