/*
 * py_helper.c - the C side of the Python package's cross-language tests
 * (python/tests/test_libarena.py): a C process that writes what Python
 * reads, and reads what Python writes.
 *   py_helper publish NAME         a struct point and a string, keys
 *                                  "origin" and "blob" (1000 bytes i % 251)
 *   py_helper read NAME KEY        print the string bound to KEY
 *   py_helper sum NAME KEY LEN     print the sum of LEN bytes at KEY
 *   py_helper chan-send NAME KEY N send "c msg I", I = 0..N-1
 *   py_helper chan-recv NAME KEY N subscribe, print "ready", receive N
 *                                  messages "py msg I" in order, print
 *                                  "got N"
 * Exit status 0, or 1 with a message on stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <arena.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct point {
	double x, y;
	arena_ref_t label;
};

static int fail(const char *what)
{
	perror(what);
	return 1;
}

static int publish(arena_t *a)
{
	arena_ref_t r = ARENA_NEW(a, struct point), b;
	struct point *p = arena_ptr(a, r);
	unsigned char *q;

	if (p == NULL)
		return fail("ARENA_NEW");
	p->x = 1.5;
	p->y = -2;
	p->label = arena_strdup(a, "origin, written in C");
	b = arena_alloc(a, 1000, 1);
	if (p->label == ARENA_NULL || b == ARENA_NULL)
		return fail("arena_alloc");
	q = arena_ptr(a, b);
	for (int i = 0; i < 1000; i++)
		q[i] = (unsigned char)(i % 251);
	if (arena_publish(a, "origin", r) != 0 ||
	    arena_publish(a, "blob", b) != 0)
		return fail("arena_publish");
	puts("ok");
	return 0;
}

static int chan_send(arena_t *a, const char *key, int n)
{
	arena_chan_t *c = arena_chan_open(a, key, ARENA_CHAN_PRODUCER, NULL);
	char buf[32];

	if (c == NULL)
		return fail("arena_chan_open");
	for (int i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof(buf), "c msg %d", i);

		if (arena_chan_send(c, buf, (size_t)len,
		                    &(struct timespec){ 10, 0 }) != 0)
			return fail("arena_chan_send");
	}
	return arena_chan_close(c) != 0 ? fail("arena_chan_close") : 0;
}

static int chan_recv(arena_t *a, const char *key, int n)
{
	arena_chan_t *c = arena_chan_open(a, key, ARENA_CHAN_SUBSCRIBER, NULL);
	char want[32];

	if (c == NULL)
		return fail("arena_chan_open");
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		struct arena_msg m;
		int len = snprintf(want, sizeof(want), "py msg %d", i);

		if (arena_chan_recv(c, &m, &(struct timespec){ 10, 0 }) != 0)
			return fail("arena_chan_recv");
		if (m.len != (size_t)len || memcmp(m.data, want, m.len) != 0) {
			fprintf(stderr, "py_helper: message %d is wrong\n", i);
			return 1;
		}
	}
	printf("got %d\n", n);
	return arena_chan_close(c) != 0 ? fail("arena_chan_close") : 0;
}

int main(int argc, char **argv)
{
	arena_t *a;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: py_helper CMD NAME [ARGS]\n");
		return 2;
	}
	a = arena_attach(argv[2], strcmp(argv[1], "read") == 0 ||
	                          strcmp(argv[1], "sum") == 0 ? ARENA_RDONLY : 0);
	if (a == NULL)
		return fail("arena_attach");
	if (strcmp(argv[1], "publish") == 0) {
		rc = publish(a);
	} else if (strcmp(argv[1], "read") == 0 && argc == 4) {
		arena_ref_t r = arena_lookup(a, argv[3]);
		const char *s = r != ARENA_NULL ? arena_get_str(a, r) : NULL;

		rc = s == NULL ? fail("lookup") : (puts(s), 0);
	} else if (strcmp(argv[1], "sum") == 0 && argc == 5) {
		size_t len = strtoul(argv[4], NULL, 10);
		arena_ref_t r = arena_lookup(a, argv[3]);
		const unsigned char *p = r != ARENA_NULL ? arena_get(a, r, len) : NULL;
		unsigned long sum = 0;

		if (p == NULL) {
			rc = fail("lookup");
		} else {
			for (size_t i = 0; i < len; i++)
				sum += p[i];
			printf("%lu\n", sum);
			rc = 0;
		}
	} else if (strcmp(argv[1], "chan-send") == 0 && argc == 5) {
		rc = chan_send(a, argv[3], atoi(argv[4]));
	} else if (strcmp(argv[1], "chan-recv") == 0 && argc == 5) {
		rc = chan_recv(a, argv[3], atoi(argv[4]));
	} else {
		fprintf(stderr, "py_helper: bad command\n");
		rc = 2;
	}
	if (arena_detach(a) != 0)
		return fail("arena_detach");
	return rc;
}
