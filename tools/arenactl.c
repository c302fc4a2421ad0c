/*
 * arenactl - create, inspect, check and reset libarena segments.
 * Built on the public API (arena.h) only.  See arenactl(1).
 *
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"

#define EXIT_USAGE 2
#define SHM_DIR "/dev/shm"
#define INSPECT (ARENA_RDONLY | ARENA_ANY_OWNER)

static const char *prog = "arenactl";

struct cmd {
	const char *name;
	const char *brief;
	int (*run)(int argc, char **argv);
	const char *usage;
};

/* ---- messages ---------------------------------------------------------- */

/* usage_err -- report a usage error for command C and return 2. */
__attribute__((format(printf, 2, 3)))
static int usage_err(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	/* clang-tidy 14 reports ap uninitialised right after va_start: a
	 * known false positive of its valist checker. */
	vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	fputc('\n', stderr);
	if (c != NULL)
		fprintf(stderr, "usage: %s %s\n", prog, c->usage);
	return EXIT_USAGE;
}

/* full_name -- NAME with its leading '/', for messages. */
static const char *full_name(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", name[0] == '/' ? "" : "/", name);
	return buf;
}

/* owner_of -- uid and mode of the object NAME in /dev/shm; false if none. */
static bool owner_of(const char *name, uid_t *uid, mode_t *mode)
{
	char path[sizeof(SHM_DIR) + ARENA_NAME_MAX + 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", SHM_DIR,
	         name[0] == '/' ? name + 1 : name);
	if (lstat(path, &st) < 0)
		return false;
	*uid = st.st_uid;
	*mode = st.st_mode & 07777;
	return true;
}

/* why -- a phrase for errno E on segment NAME, into BUF. */
static const char *why(int e, const char *name, char *buf, size_t n)
{
	uid_t uid;
	mode_t mode;

	switch (e) {
	case ENOENT:
		return "no such arena";
	case EACCES:
	case EPERM:
		if (owner_of(name, &uid, &mode)) {
			snprintf(buf, n, "permission denied (owned by uid %u, "
			         "mode %04o)", (unsigned)uid, (unsigned)mode);
			return buf;
		}
		return "permission denied";
	case EMEDIUMTYPE:
		return "not an arena";
	case EPROTONOSUPPORT:
		return "incompatible format (made by another libarena version)";
	case EBADMSG:
		return "corrupt or truncated header";
	case ETIMEDOUT:
		return "never became ready (its creator died or stalls)";
	case EAGAIN:
		return "still being created";
	case EUSERS:
		return "process table full";
	case EEXIST:
		return "already exists";
	case ENOSPC:
		return "not enough shared memory to reserve it";
	case EFBIG:
		return "too large (a segment is limited to 1T)";
	case EINVAL:
	case ENAMETOOLONG:
		return "invalid name (1 to 254 bytes, no '/' but a leading one)";
	default:
		return strerror(e);
	}
}

/* fail -- report errno about NAME; returns 1 (2 for a bad name). */
static int fail(const char *name)
{
	char nb[ARENA_NAME_MAX + 2], wb[128];
	int e = errno;

	fprintf(stderr, "%s: %s: %s\n", prog,
	        full_name(name, nb, sizeof(nb)), why(e, name, wb, sizeof(wb)));
	return (e == EINVAL || e == ENAMETOOLONG) ? EXIT_USAGE : EXIT_FAILURE;
}

/* ---- attaching --------------------------------------------------------- */

/*
 * shm_regular -- false, with errno EMEDIUMTYPE, when /dev/shm holds
 * something other than a regular file under NAME: a FIFO (opening it to
 * read would block until a writer came), a symbolic link, a directory, a
 * device.  True otherwise, a missing object or a bad name included, which
 * arena_attach() then reports.  lstat() opens nothing and follows no link.
 */
static bool shm_regular(const char *name)
{
	char path[sizeof(SHM_DIR) + ARENA_NAME_MAX + 2];
	const char *base = name[0] == '/' ? name + 1 : name;
	struct stat st;

	if (base[0] == '\0' || strchr(base, '/') != NULL ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
	    strlen(base) >= ARENA_NAME_MAX)
		return true;            /* an invalid name: attach says so */
	snprintf(path, sizeof(path), "%s/%s", SHM_DIR, base);
	if (lstat(path, &st) < 0 || S_ISREG(st.st_mode))
		return true;
	errno = EMEDIUMTYPE;
	return false;
}

/*
 * attach -- arena_attach(NAME, FLAGS), refusing first what is not a
 * regular file.  Only a race can still hand arena_attach() a FIFO (it is
 * put in place between the two calls); the library opens non-blocking.
 */
static arena_t *attach(const char *name, unsigned flags)
{
	return shm_regular(name) ? arena_attach(name, flags) : NULL;
}

/* ---- sizes ------------------------------------------------------------- */

/*
 * parse_size -- "4096", "64K", "1.5G": a whole number of bytes, suffixes
 * K, M, G, T in powers of 1024, at most 1T.  -1 on bad input.
 */
static int parse_size(const char *s, uint64_t *out)
{
	uint64_t ip = 0, frac = 0, div = 1, mult = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return -1;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			if (div >= UINT64_C(1000000))
				return -1;      /* 6 decimals: frac * 1T fits */
			frac = frac * 10 + (uint64_t)(*p - '0');
			div *= 10;
		}
	}
	if (*p != '\0') {
		static const char units[] = "KMGT";
		const char *u = strchr(units, toupper((unsigned char)*p));

		if (u == NULL)
			return -1;
		mult <<= 10 * (u - units + 1);
		p++;
	}
	if (*p != '\0' || ip > (UINT64_C(1) << 40) / mult)
		return -1;
	if ((frac * mult) % div != 0)
		return -1;              /* not a whole number of bytes */
	*out = ip * mult + frac * mult / div;
	return *out > (UINT64_C(1) << 40) ? -1 : 0;
}

/* fmt_size -- V bytes as a person reads it: 512, 4K, 1.5G. */
static const char *fmt_size(uint64_t v, char *buf, size_t n)
{
	static const char suf[] = "KMGTPE";
	double d = (double)v / 1024;
	int i = 0;

	if (v < 1024) {
		snprintf(buf, n, "%" PRIu64, v);
		return buf;
	}
	while (d >= 1024 && i < 5) {
		d /= 1024;
		i++;
	}
	if (d == (double)(uint64_t)d)
		snprintf(buf, n, "%" PRIu64 "%c", (uint64_t)d, suf[i]);
	else
		snprintf(buf, n, "%.1f%c", d, suf[i]);
	return buf;
}

/*
 * fmt_time -- T, seconds since the epoch, as local time in FORMAT into BUF;
 * false, with BUF the plain count of seconds, when localtime_r() cannot
 * represent T (a forged header's year beyond an int): strftime() must
 * never be given its NULL.
 */
static bool fmt_time(int64_t t, const char *format, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt == t && localtime_r(&tt, &tm) != NULL &&
	    strftime(buf, n, format, &tm) != 0)
		return true;
	snprintf(buf, n, "%" PRId64, t);
	return false;
}

/* parse_uint -- a decimal count in [lo, hi]; -1 otherwise. */
static int parse_uint(const char *s, unsigned long lo, unsigned long hi,
                      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* ---- JSON -------------------------------------------------------------- */

/* utf8_len -- length of the valid UTF-8 sequence at S, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;           /* overlong, surrogate or beyond U+10FFFF */
	return n;
}

/* json_str -- S as a JSON string; bytes that are not valid UTF-8 are
 * written as \u00XX (the byte's value), so the output is always valid. */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || n == 0)
			fprintf(f, "\\u%04x", *p);
		else
			fwrite(p, 1, n, f);
		p += n ? n : 1;
	}
	fputc('"', f);
}

/* print_str -- S for a terminal, control bytes escaped; the number of
 * columns written. */
static int print_str(FILE *f, const char *s)
{
	int w = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			w += fprintf(f, "\\\\");
		else if (c == '\n')
			w += fprintf(f, "\\n");
		else if (c == '\t')
			w += fprintf(f, "\\t");
		else if (c < 0x20 || c == 0x7f)
			w += fprintf(f, "\\x%02x", c);
		else {
			fputc(c, f);
			w++;
		}
	}
	return w;
}

/* ---- option parsing shared by the commands ----------------------------- */

enum { OPT_JSON = 1000, OPT_SPARSE, OPT_PROCS, OPT_DIRSLOTS, OPT_MODE,
       OPT_FORCE, OPT_TRIM, OPT_LEN, OPT_STR, OPT_INTERVAL, OPT_COUNT,
       OPT_SECTIONS, OPT_WAIT, OPT_PERM, OPT_CAPACITY, OPT_SLOTS,
       OPT_PRODUCERS, OPT_RECEIVERS, OPT_GROUPS };

struct opts {
	bool json, sparse, force, trim, str, help, have_len;
	unsigned long procs, dir_slots, mode, count, sections;
	bool have_mode, have_dir;
	bool wait, wait_forever;        /* --wait, and without a value */
	uint64_t len, perm, capacity;
	unsigned long slots, producers, receivers, groups;
	double interval, wait_s;
};

/* WAIT_MAX -- the longest --wait=SECONDS (a day); --wait alone waits for
 * ever. */
#define WAIT_MAX 86400.0

/*
 * parse_wait -- the value of --wait, ARG (NULL: none, wait for ever): a
 * number of seconds from 0 to WAIT_MAX, digits and a decimal point only
 * (no sign, exponent, hex, "inf" or "nan" from strtod()).  0, or 2 on a
 * usage error.
 */
static int parse_wait(const struct cmd *c, const char *arg, struct opts *o)
{
	char *end;

	o->wait_forever = arg == NULL;
	if (arg == NULL)
		return 0;
	errno = 0;
	o->wait_s = strtod(arg, &end);
	if (!isdigit((unsigned char)*arg) ||
	    arg[strspn(arg, "0123456789.")] != '\0' || *end != '\0' ||
	    errno != 0 || !(o->wait_s >= 0) || o->wait_s > WAIT_MAX)
		return usage_err(c, "--wait: '%s' is not a number of seconds "
		                 "(0 to %.0f)", arg, WAIT_MAX);
	return 0;
}

/* get_opts -- parse options LONGS (NULL-terminated names) for command C;
 * leaves positional arguments from optind.  0, or 2 on a usage error. */
static int get_opts(const struct cmd *c, int argc, char **argv,
                    const struct option *longs, struct opts *o)
{
	const char *wait_arg = NULL;
	int ch;

	memset(o, 0, sizeof(*o));
	o->interval = 1.0;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
		switch (ch) {
		case 'h': o->help = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_SPARSE: o->sparse = true; break;
		case OPT_FORCE: o->force = true; break;
		case OPT_TRIM: o->trim = true; break;
		case OPT_STR: o->str = true; break;
		case OPT_PROCS:
			if (parse_uint(optarg, 1, ARENA_MAX_SLOTS, &o->procs) < 0)
				return usage_err(c, "--procs: '%s' is not a count "
				                 "from 1 to %u", optarg,
				                 ARENA_MAX_SLOTS);
			break;
		case OPT_DIRSLOTS:
			if (parse_uint(optarg, 0, ARENA_MAX_SLOTS, &o->dir_slots) < 0)
				return usage_err(c, "--dir-slots: '%s' is not a "
				                 "count from 0 to %u", optarg,
				                 ARENA_MAX_SLOTS);
			o->have_dir = true;
			break;
		case OPT_SECTIONS:
			if (parse_uint(optarg, 1, ARENA_MAX_SLOTS, &o->sections) < 0)
				return usage_err(c, "--sections: '%s' is not a count "
				                 "from 1 to %u", optarg,
				                 ARENA_MAX_SLOTS);
			break;
		case OPT_WAIT:
			/* Its value, optional, is checked after the loop. */
			o->wait = true;
			wait_arg = optarg;
			break;
		case OPT_MODE: {
			char *end;

			errno = 0;
			o->mode = strtoul(optarg, &end, 8);
			if (!isdigit((unsigned char)*optarg) || *end != '\0' ||
			    errno != 0 || o->mode > 0777 || o->mode == 0)
				return usage_err(c, "--mode: '%s' is not an octal "
				                 "mode from 1 to 0777", optarg);
			o->have_mode = true;
			break;
		}
		case OPT_PERM:
			if (parse_size(optarg, &o->perm) < 0)
				return usage_err(c, "--perm: '%s' is not a size "
				                 "(e.g. 64K)", optarg);
			break;
		case OPT_CAPACITY:
			if (parse_size(optarg, &o->capacity) < 0 ||
			    o->capacity == 0)
				return usage_err(c, "--capacity: '%s' is not a "
				                 "size (e.g. 64K)", optarg);
			break;
		case OPT_SLOTS:
			if (parse_uint(optarg, 8, 1ul << 24, &o->slots) < 0)
				return usage_err(c, "--slots: '%s' is not a count "
				                 "from 8 to 16777216", optarg);
			break;
		case OPT_PRODUCERS:
			if (parse_uint(optarg, 1, 256, &o->producers) < 0)
				return usage_err(c, "--producers: '%s' is not a "
				                 "count from 1 to 256", optarg);
			break;
		case OPT_RECEIVERS:
			if (parse_uint(optarg, 1, 256, &o->receivers) < 0)
				return usage_err(c, "--receivers: '%s' is not a "
				                 "count from 1 to 256", optarg);
			break;
		case OPT_GROUPS:
			if (parse_uint(optarg, 1, 64, &o->groups) < 0)
				return usage_err(c, "--groups: '%s' is not a count "
				                 "from 1 to 64", optarg);
			break;
		case OPT_LEN:
			if (parse_size(optarg, &o->len) < 0 || o->len == 0)
				return usage_err(c, "--len: '%s' is not a size",
				                 optarg);
			o->have_len = true;
			break;
		case OPT_INTERVAL: {
			char *end;

			errno = 0;
			o->interval = strtod(optarg, &end);
			if (*end != '\0' || errno != 0 || !(o->interval >= 0.01) ||
			    o->interval > 86400)
				return usage_err(c, "--interval: '%s' is not a "
				                 "number of seconds (0.01 to "
				                 "86400)", optarg);
			break;
		}
		case OPT_COUNT:
			if (parse_uint(optarg, 1, 1000000000, &o->count) < 0)
				return usage_err(c, "--count: '%s' is not a "
				                 "positive count", optarg);
			break;
		case ':':
			return usage_err(c, "option '%s' needs a value",
			                 argv[optind - 1]);
		default:
			if (optopt != 0 && optopt < OPT_JSON)
				return usage_err(c, "unknown option '-%c'", optopt);
			return usage_err(c, "unknown option '%s'",
			                 argv[optind - 1]);
		}
	}
	if (o->wait)
		return parse_wait(c, wait_arg, o);
	return 0;
}

/* need_args -- exactly N positional arguments (after options). */
static int need_args(const struct cmd *c, int argc, int n)
{
	if (argc - optind < n)
		return usage_err(c, "missing argument");
	if (argc - optind > n)
		return usage_err(c, "too many arguments");
	return 0;
}

/* show_help -- the command's usage on stdout; 0. */
static int show_help(const struct cmd *c)
{
	printf("usage: %s %s\n%s\n", prog, c->usage, c->brief);
	return 0;
}

/*
 * begin -- what every command does first: parse its options, answer -h,
 * and check that NARGS positional arguments follow.  False, with the exit
 * status in *RC, when the command must stop there.
 */
static bool begin(const struct cmd *c, int argc, char **argv,
                  const struct option *longs, struct opts *o, int nargs,
                  int *rc)
{
	if ((*rc = get_opts(c, argc, argv, longs, o)) != 0)
		return false;
	if (o->help) {
		*rc = show_help(c);
		return false;
	}
	return (*rc = need_args(c, argc, nargs)) == 0;
}

#define LONG(n, has, v) { n, has, NULL, v }
#define HELP_OPT LONG("help", no_argument, 'h')
#define END_OPT { NULL, 0, NULL, 0 }

static const struct cmd cmds[];
static const struct cmd *cmd_find(const char *name);

/* ---- create ------------------------------------------------------------ */

static int cmd_create(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("mode", required_argument, OPT_MODE),
		LONG("sparse", no_argument, OPT_SPARSE),
		LONG("procs", required_argument, OPT_PROCS),
		LONG("dir-slots", required_argument, OPT_DIRSLOTS),
		LONG("sections", required_argument, OPT_SECTIONS),
		LONG("perm", required_argument, OPT_PERM),
		HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("create");
	struct arena_options ao = { 0 };
	struct opts o;
	uint64_t size;
	arena_t *a;
	int rc;

	if (!begin(c, argc, argv, longs, &o, 2, &rc))
		return rc;
	if (parse_size(argv[optind + 1], &size) < 0 || size == 0)
		return usage_err(c, "'%s' is not a size (e.g. 4096, 64K, 1.5G; "
		                 "at most 1T)", argv[optind + 1]);
	ao.flags = o.sparse ? ARENA_CREATE_SPARSE : 0;
	ao.mode = o.have_mode ? (unsigned)o.mode : 0;
	ao.proc_slots = (unsigned)o.procs;
	ao.sect_slots = (unsigned)o.sections;   /* 0: the default */
	ao.perm_size = (size_t)o.perm;          /* 0: none */
	if (o.have_dir)
		ao.dir_slots = o.dir_slots == 0 ? ARENA_DIR_NONE
		                                : (unsigned)o.dir_slots;
	a = arena_create(argv[optind], (size_t)size, &ao);
	if (a == NULL)
		return fail(argv[optind]);
	arena_detach(a);
	return 0;
}

/* ---- channels ---------------------------------------------------------- */

/* One channel, as info and watch show it. */
struct chan_view {
	char key[ARENA_KEY_MAX + 1];
	int err;                        /* 0, or why arena_chan_stat() failed */
	struct arena_chan_stat st;
	struct arena_chan_peer *peers;
	size_t np;
	uint64_t lost;                  /* summed over the groups */
	double msg_rate, byte_rate;     /* watch: per second */
};

static void chan_views_free(struct chan_view *v, size_t n)
{
	for (size_t i = 0; i < n && v != NULL; i++)
		free(v[i].peers);
	free(v);
}

/* chan_one -- arena_chan_stat() of KEY into CV, peers included: every
 * entry of the tables fits (their sizes come from the first call). */
static int chan_one(const arena_t *a, const char *key, struct chan_view *cv)
{
	size_t np;

	memset(cv, 0, sizeof(*cv));
	memcpy(cv->key, key, ARENA_KEY_MAX);
	if (arena_chan_stat(a, key, &cv->st, NULL, NULL) < 0)
		return -1;
	np = (size_t)cv->st.producers + cv->st.receivers + cv->st.groups;
	cv->peers = calloc(np + 1, sizeof(*cv->peers));
	if (cv->peers == NULL)
		return -1;
	if (arena_chan_stat(a, key, &cv->st, cv->peers, &np) < 0)
		return -1;
	cv->np = np < (size_t)cv->st.producers + cv->st.receivers +
	              cv->st.groups + 1 ? np : 0;
	for (size_t i = 0; i < cv->np; i++)
		if (cv->peers[i].role == ARENA_CHAN_GROUP)
			cv->lost += cv->peers[i].lost;
	return 0;
}

/*
 * chan_views -- every channel bound in A's permanent directory (a key
 * that arena_chan_stat() calls EMEDIUMTYPE or ENOENT is no channel; one
 * it refuses otherwise is shown with its error): *N of them in *OUT, to
 * free with chan_views_free().  -1 on failure.
 */
static int chan_views(const arena_t *a, struct chan_view **out, size_t *n)
{
	struct arena_stat st;
	struct arena_dirent *dir;
	struct chan_view *v;
	size_t cap;
	int nd;

	*out = NULL;
	*n = 0;
	if (arena_stat(a, &st) < 0)
		return -1;
	if (st.perm_dir_slots == 0)
		return 0;
	/* The permanent directory is listed first, the other after it. */
	cap = (size_t)st.dir_slots + st.perm_dir_slots;
	dir = calloc(cap + 1, sizeof(*dir));
	v = calloc((size_t)st.perm_dir_slots + 1, sizeof(*v));
	if (dir == NULL || v == NULL) {
		free(dir);
		free(v);
		return -1;
	}
	nd = arena_dir_list(a, dir, cap);
	if (nd > (int)cap)
		nd = (int)cap;
	for (int i = 0; i < nd && *n < st.perm_dir_slots; i++) {
		struct chan_view *cv = &v[*n];

		if (chan_one(a, dir[i].key, cv) < 0) {
			if (errno == EMEDIUMTYPE || errno == ENOENT) {
				free(cv->peers);
				continue;
			}
			cv->err = errno;
			free(cv->peers);
			cv->peers = NULL;
			cv->np = 0;
		}
		(*n)++;
	}
	free(dir);
	*out = v;
	return 0;
}

static const char *role_name(unsigned role)
{
	switch (role) {
	case ARENA_CHAN_PRODUCER: return "producer";
	case ARENA_CHAN_SUBSCRIBER: return "subscriber";
	case ARENA_CHAN_MEMBER: return "member";
	case ARENA_CHAN_GROUP: return "group";
	default: return "unknown";
	}
}

/* chan_rates -- fill CUR's message and byte rates over DT seconds from
 * PREV (NPREV channels): per producer entry, its counts' growth (an entry
 * that changed hands, or is new, counts from 0).  A channel not in PREV
 * has no rate yet. */
static void chan_rates(struct chan_view *cur, size_t ncur,
                       const struct chan_view *prev, size_t nprev, double dt)
{
	for (size_t i = 0; i < ncur; i++) {
		const struct chan_view *p = NULL;
		uint64_t dm = 0, db = 0;

		for (size_t j = 0; j < nprev && p == NULL; j++)
			if (strcmp(prev[j].key, cur[i].key) == 0 && !prev[j].err &&
			    prev[j].st.create_time == cur[i].st.create_time)
				p = &prev[j];
		cur[i].msg_rate = cur[i].byte_rate = 0;
		if (p == NULL || cur[i].err)
			continue;
		for (size_t k = 0; k < cur[i].np; k++) {
			const struct arena_chan_peer *c = &cur[i].peers[k];
			const struct arena_chan_peer *o = NULL;

			if (c->role != ARENA_CHAN_PRODUCER)
				continue;
			for (size_t m = 0; m < p->np && o == NULL; m++)
				if (p->peers[m].role == ARENA_CHAN_PRODUCER &&
				    p->peers[m].index == c->index &&
				    p->peers[m].pid == c->pid &&
				    p->peers[m].msgs <= c->msgs &&
				    p->peers[m].bytes <= c->bytes)
					o = &p->peers[m];
			dm += c->msgs - (o != NULL ? o->msgs : 0);
			db += c->bytes - (o != NULL ? o->bytes : 0);
		}
		cur[i].msg_rate = (double)dm / dt;
		cur[i].byte_rate = (double)db / dt;
	}
}

/* json_chan -- channel V as a JSON object; RATES: with its rates. */
static void json_chan(const struct chan_view *v, bool rates)
{
	const struct arena_chan_stat *s = &v->st;

	printf("{\"key\":");
	json_str(stdout, v->key);
	if (v->err) {
		printf(",\"error\":");
		json_str(stdout, strerror(v->err));
		printf("}");
		return;
	}
	printf(",\"capacity\":%" PRIu64 ",\"slots\":%u,\"max_msg\":%u"
	       ",\"producers\":%u,\"receivers\":%u,\"groups\":%u"
	       ",\"live_producers\":%u,\"live_subscribers\":%u"
	       ",\"live_members\":%u,\"live_groups\":%u,\"seq\":%u,\"lag\":%u"
	       ",\"lag_bytes\":%" PRIu64 ",\"msgs\":%" PRIu64 ",\"bytes\":%"
	       PRIu64 ",\"gaps\":%" PRIu64 ",\"lost\":%" PRIu64
	       ",\"create_time\":%" PRId64,
	       s->capacity, s->slots, s->max_msg, s->producers, s->receivers,
	       s->groups, s->live_producers, s->live_subscribers,
	       s->live_members, s->live_groups, s->seq, s->lag, s->lag_bytes,
	       s->msgs, s->bytes, s->gaps, v->lost, s->create_time);
	if (rates)
		printf(",\"msgs_per_s\":%.1f,\"bytes_per_s\":%.0f", v->msg_rate,
		       v->byte_rate);
	printf(",\"peers\":[");
	for (size_t i = 0; i < v->np; i++) {
		const struct arena_chan_peer *p = &v->peers[i];

		printf("%s{\"role\":\"%s\",\"index\":%u,\"pid\":%d,\"alive\":%s"
		       ",\"group\":", i ? "," : "", role_name(p->role), p->index,
		       (int)p->pid, p->alive ? "true" : "false");
		if (p->role == ARENA_CHAN_MEMBER || p->role == ARENA_CHAN_GROUP)
			json_str(stdout, p->group);
		else
			printf("null");
		printf(",\"seq\":%u,\"lag\":%u,\"lag_bytes\":%" PRIu64
		       ",\"msgs\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"gaps\":%"
		       PRIu64 ",\"lost\":%" PRIu64 ",\"held\":%u}", p->seq,
		       p->lag, p->lag_bytes, p->msgs, p->bytes, p->gaps, p->lost,
		       p->held);
	}
	printf("]}");
}

/* text_chan -- channel V as info shows it. */
static void text_chan(const struct chan_view *v)
{
	const struct arena_chan_stat *s = &v->st;
	char b1[32], b2[32], b3[32];

	fputs("  ", stdout);
	print_str(stdout, v->key);
	if (v->err) {
		printf(": %s\n", strerror(v->err));
		return;
	}
	printf(": capacity %s, %u slots, messages up to %s\n",
	       fmt_size(s->capacity, b1, sizeof(b1)), s->slots,
	       fmt_size(s->max_msg, b2, sizeof(b2)));
	printf("    seq %u, %" PRIu64 " msgs, %s committed; lag %u msgs, %s; "
	       "%" PRIu64 " gaps, %" PRIu64 " lost\n", s->seq, s->msgs,
	       fmt_size(s->bytes, b1, sizeof(b1)), s->lag,
	       fmt_size(s->lag_bytes, b3, sizeof(b3)), s->gaps, v->lost);
	printf("    live: %u of %u producers, %u subscribers and %u members "
	       "of %u receivers, %u of %u groups\n", s->live_producers,
	       s->producers, s->live_subscribers, s->live_members,
	       s->receivers, s->live_groups, s->groups);
	for (size_t i = 0; i < v->np; i++) {
		const struct arena_chan_peer *p = &v->peers[i];

		printf("    %-10s %3u ", role_name(p->role), p->index);
		if (p->role == ARENA_CHAN_GROUP)
			printf("%-12s", "");
		else
			printf("pid %-8d", (int)p->pid);
		printf(" %s", p->alive ? "live" : "dead");
		if (p->role == ARENA_CHAN_PRODUCER) {
			printf("  %" PRIu64 " msgs, %s\n", p->msgs,
			       fmt_size(p->bytes, b1, sizeof(b1)));
			continue;
		}
		if (p->role != ARENA_CHAN_SUBSCRIBER) {
			fputs("  group \"", stdout);
			print_str(stdout, p->group);
			putchar('"');
		}
		printf("  seq %u, lag %u msgs, %s", p->seq, p->lag,
		       fmt_size(p->lag_bytes, b1, sizeof(b1)));
		if (p->role == ARENA_CHAN_GROUP) {
			printf(", %" PRIu64 " lost\n", p->lost);
			continue;
		}
		if (p->role == ARENA_CHAN_MEMBER)
			printf(", %u held", p->held);
		printf(", %" PRIu64 " msgs, %" PRIu64 " gaps\n", p->msgs,
		       p->gaps);
	}
}

/* watch_chan -- channel V's line under a watch row. */
static void watch_chan(const struct chan_view *v)
{
	char b1[32], b2[32];

	fputs("  channel ", stdout);
	print_str(stdout, v->key);
	if (v->err) {
		printf(": %s\n", strerror(v->err));
		return;
	}
	printf(": %.1f msgs/s, %s/s; seq %u, lag %u msgs, %s; %u/%u/%u "
	       "producers/subscribers/members live; %" PRIu64 " gaps, %"
	       PRIu64 " lost\n", v->msg_rate,
	       fmt_size((uint64_t)v->byte_rate, b1, sizeof(b1)), v->st.seq,
	       v->st.lag, fmt_size(v->st.lag_bytes, b2, sizeof(b2)),
	       v->st.live_producers, v->st.live_subscribers,
	       v->st.live_members, v->st.gaps, v->lost);
}

/* ---- mkchan ------------------------------------------------------------ */

static int cmd_mkchan(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("capacity", required_argument, OPT_CAPACITY),
		LONG("slots", required_argument, OPT_SLOTS),
		LONG("producers", required_argument, OPT_PRODUCERS),
		LONG("receivers", required_argument, OPT_RECEIVERS),
		LONG("groups", required_argument, OPT_GROUPS),
		HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("mkchan");
	struct arena_chan_config cfg = { 0 };
	struct opts o;
	const char *key;
	arena_t *a;
	int rc, e;

	if (!begin(c, argc, argv, longs, &o, 2, &rc))
		return rc;
	key = argv[optind + 1];
	if (key[0] == '\0' || strlen(key) > ARENA_KEY_MAX)
		return usage_err(c, "a key has 1 to %u bytes", ARENA_KEY_MAX);
	cfg.capacity = (size_t)o.capacity;
	cfg.slots = (uint32_t)o.slots;
	cfg.producers = (uint16_t)o.producers;
	cfg.receivers = (uint16_t)o.receivers;
	cfg.groups = (uint16_t)o.groups;
	a = attach(argv[optind], 0);
	if (a == NULL)
		return fail(argv[optind]);
	rc = 0;
	if (arena_chan_create(a, key, &cfg) < 0) {
		char nb[ARENA_NAME_MAX + 2];
		const char *m;

		e = errno;
		switch (e) {
		case EEXIST: m = "the key is bound already"; break;
		case ENOSPC: m = "no room in the permanent part or its "
		                 "directory (arenactl create --perm)"; break;
		case EINVAL: m = "invalid geometry (capacity: a power of two "
		                 "from 4K to 1G; slots: a power of two from 8 "
		                 "to 16777216)"; break;
		case EROFS: m = "read-only"; break;
		default: m = strerror(e); break;
		}
		fprintf(stderr, "%s: %s: channel '%s': %s\n", prog,
		        full_name(argv[optind], nb, sizeof(nb)), key, m);
		rc = e == EINVAL ? EXIT_USAGE : EXIT_FAILURE;
	}
	arena_detach(a);
	return rc;
}

/* ---- info -------------------------------------------------------------- */

/* usage_bar -- a ten-cell bar of USED out of CAP. */
static const char *usage_bar(uint64_t used, uint64_t cap, char bar[13])
{
	unsigned cells = cap ? (unsigned)((used * 10 + cap - 1) / cap) : 0;

	bar[0] = '[';
	for (unsigned i = 0; i < 10; i++)
		bar[1 + i] = i < cells ? '#' : '.';
	bar[11] = ']';
	bar[12] = '\0';
	return bar;
}

/* pct -- USED as a percentage of CAP. */
static double pct(uint64_t used, uint64_t cap)
{
	return cap ? 100.0 * (double)used / (double)cap : 0.0;
}

/* lists -- the process table and directory of A, malloc'ed; -1 on error. */
static int lists(arena_t *a, struct arena_proc **procs, int *np,
                 struct arena_dirent **dir, int *nd)
{
	struct arena_stat st;

	if (arena_stat(a, &st) < 0)
		return -1;
	*procs = calloc(st.proc_slots + 1, sizeof(**procs));
	*dir = calloc(st.dir_slots + 1, sizeof(**dir));
	if (*procs == NULL || *dir == NULL) {
		free(*procs);
		free(*dir);
		return -1;
	}
	*np = arena_procs(a, *procs, st.proc_slots);
	*nd = arena_dir_list(a, *dir, st.dir_slots);
	if (*np > (int)st.proc_slots)
		*np = (int)st.proc_slots;
	if (*nd > (int)st.dir_slots)
		*nd = (int)st.dir_slots;
	return 0;
}

/* resetter -- the index in PROCS (NP of them) of the live process whose
 * waiting reset is pending, or -1. */
static int resetter(const struct arena_proc *procs, int np)
{
	for (int i = 0; i < np; i++)
		if (procs[i].alive && procs[i].resetting)
			return i;
	return -1;
}

/* plural -- "" for 1, else "s". */
static const char *plural(unsigned long n)
{
	return n == 1 ? "" : "s";
}

static int cmd_info(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("json", no_argument, OPT_JSON), HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("info");
	struct arena_proc *procs;
	struct arena_dirent *dir;
	struct arena_stat st;
	struct chan_view *cv = NULL;
	size_t ncv = 0;
	char b1[32], b2[32], bar[13], when[64];
	struct opts o;
	int rc, np, nd, dead = 0, rs;
	bool is_date;
	arena_t *a;

	if (!begin(c, argc, argv, longs, &o, 1, &rc))
		return rc;
	a = attach(argv[optind], INSPECT);
	if (a == NULL)
		return fail(argv[optind]);
	if (arena_stat(a, &st) < 0 || lists(a, &procs, &np, &dir, &nd) < 0) {
		rc = fail(argv[optind]);
		arena_detach(a);
		return rc;
	}
	if (chan_views(a, &cv, &ncv) < 0)
		ncv = 0;                /* no memory: no channels shown */
	for (int i = 0; i < np; i++)
		dead += !procs[i].alive;
	/* The statistics and the table are read one after the other: a
	 * reset may begin or end in between.  Its pid is shown when the
	 * table names it. */
	rs = st.reset_pending ? resetter(procs, np) : -1;
	is_date = fmt_time(st.create_time, "%Y-%m-%d %H:%M:%S", when,
	                   sizeof(when));
	if (o.json) {
		printf("{\"name\":");
		json_str(stdout, arena_name(a));
		printf(",\"format\":%u,\"segment_size\":%" PRIu64
		       ",\"header_size\":%" PRIu64 ",\"capacity\":%" PRIu64
		       ",\"used\":%" PRIu64 ",\"available\":%" PRIu64
		       ",\"generation\":%" PRIu64 ",\"high_water\":%" PRIu64
		       ",\"failed_allocs\":%" PRIu64 ",\"resets\":%" PRIu64
		       ",\"create_time\":%" PRId64 ",\"creator_uid\":%u"
		       ",\"sparse\":%s,\"proc_slots\":%u,\"dir_slots\":%u"
		       ",\"attached\":%u,\"sect_slots\":%u,\"sect_claimed\":%u"
		       ",\"perm_size\":%" PRIu64 ",\"perm_used\":%" PRIu64
		       ",\"perm_dir_slots\":%u,\"perm_dir_entries\":%u"
		       ",\"sections\":%u,\"reset_pending\":%s,\"resetter_pid\":",
		       st.format_version, st.segment_size, st.header_size,
		       st.capacity, st.used, st.available, st.generation,
		       st.high_water, st.failed_allocs, st.resets,
		       st.create_time, st.creator_uid,
		       (st.flags & ARENA_CREATE_SPARSE) ? "true" : "false",
		       st.proc_slots, st.dir_slots, st.attached, st.sect_slots,
		       st.sect_claimed, st.perm_size, st.perm_used,
		       st.perm_dir_slots, st.perm_dir_entries, st.sections,
		       st.reset_pending ? "true" : "false");
		if (rs >= 0)
			printf("%d", (int)procs[rs].pid);
		else
			printf("null");
		printf(",\"processes\":[");
		for (int i = 0; i < np; i++)
			printf("%s{\"pid\":%d,\"alive\":%s,\"slot\":%u"
			       ",\"sections\":%u,\"resetting\":%s}",
			       i ? "," : "", (int)procs[i].pid,
			       procs[i].alive ? "true" : "false", procs[i].slot,
			       procs[i].sections,
			       procs[i].resetting ? "true" : "false");
		printf("],\"directory\":[");
		for (int i = 0; i < nd; i++) {
			printf("%s{\"key\":", i ? "," : "");
			json_str(stdout, dir[i].key);
			printf(",\"ref\":%" PRIu64 "}", dir[i].ref);
		}
		printf("],\"channels\":[");
		for (size_t i = 0; i < ncv; i++) {
			if (i)
				putchar(',');
			json_chan(&cv[i], false);
		}
		printf("]}\n");
	} else {
		printf("arena          %s\n", arena_name(a));
		printf("format         %u\n", st.format_version);
		printf("segment size   %s (%" PRIu64 " bytes)\n",
		       fmt_size(st.segment_size, b1, sizeof(b1)), st.segment_size);
		printf("header size    %s\n", fmt_size(st.header_size, b1, sizeof(b1)));
		printf("capacity       %s%s\n", fmt_size(st.capacity, b1, sizeof(b1)),
		       (st.flags & ARENA_CREATE_SPARSE) ? " (sparse)" : "");
		printf("used           %s %s %.1f%%\n",
		       fmt_size(st.used, b1, sizeof(b1)),
		       usage_bar(st.used, st.capacity, bar),
		       pct(st.used, st.capacity));
		printf("available      %s\n", fmt_size(st.available, b2, sizeof(b2)));
		/* The part no reset frees. */
		if (st.perm_size == 0)
			printf("permanent      none\n");
		else
			printf("permanent      %s of %s used, %u of %u keys\n",
			       fmt_size(st.perm_used, b1, sizeof(b1)),
			       fmt_size(st.perm_size, b2, sizeof(b2)),
			       st.perm_dir_entries, st.perm_dir_slots);
		printf("generation     %" PRIu64 "\n", st.generation);
		printf("high water     %s\n", fmt_size(st.high_water, b1, sizeof(b1)));
		printf("failed allocs  %" PRIu64 "\n", st.failed_allocs);
		printf("resets         %" PRIu64 "\n", st.resets);
		printf("created        %s%s by uid %u\n", when,
		       is_date ? "" : " seconds since the epoch (not a date)",
		       st.creator_uid);
		printf("sections       %u open, %u of %u entries claimed\n",
		       st.sections, st.sect_claimed, st.sect_slots);
		if (!st.reset_pending)
			printf("reset pending  no\n");
		else if (rs >= 0)
			printf("reset pending  yes, by pid %d (waiting for sections "
			       "to end)\n", (int)procs[rs].pid);
		else
			printf("reset pending  yes (waiting for sections to end)\n");
		printf("processes      %u live, %d dead, %u slots\n", st.attached,
		       dead, st.proc_slots);
		for (int i = 0; i < np; i++) {
			printf("  pid %-8d %s", (int)procs[i].pid,
			       procs[i].alive ? "live" : "dead");
			if (procs[i].sections != 0)
				printf(", %u section%s open", procs[i].sections,
				       plural(procs[i].sections));
			if (procs[i].resetting)
				printf(", resetting");
			putchar('\n');
		}
		printf("directory      %d entr%s, %u slots\n", nd,
		       nd == 1 ? "y" : "ies", st.dir_slots);
		for (int i = 0; i < nd; i++) {
			int w;

			fputs("  ", stdout);
			w = print_str(stdout, dir[i].key);
			printf("%*s 0x%016" PRIx64 "\n", w < 31 ? 31 - w : 0, "",
			       dir[i].ref);
		}
		if (ncv != 0)
			printf("channels       %zu\n", ncv);
		for (size_t i = 0; i < ncv; i++)
			text_chan(&cv[i]);
	}
	chan_views_free(cv, ncv);
	free(procs);
	free(dir);
	arena_detach(a);
	return 0;
}

/* ---- list -------------------------------------------------------------- */

static int cmd_list(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("json", no_argument, OPT_JSON), HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("list");
	struct dirent *de;
	struct opts o;
	int rc, n = 0;
	DIR *d;

	if (!begin(c, argc, argv, longs, &o, 0, &rc))
		return rc;
	d = opendir(SHM_DIR);
	if (d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, SHM_DIR, strerror(errno));
		return EXIT_FAILURE;
	}
	if (o.json)
		printf("[");
	else
		printf("%-24s %6s %5s %8s %8s %6s %5s\n", "NAME", "OWNER",
		       "MODE", "SIZE", "USED", "USE%", "PEERS");
	while ((de = readdir(d)) != NULL) {
		char path[sizeof(SHM_DIR) + 256 + 1];
		char b1[32], b2[32];
		struct arena_stat st;
		struct stat fs;
		arena_t *a;

		if (de->d_name[0] == '.')
			continue;
		/* Regular files only: a FIFO would block the open, a link
		 * is not an arena (see shm_regular()). */
		snprintf(path, sizeof(path), "%s/%s", SHM_DIR, de->d_name);
		if (lstat(path, &fs) < 0 || !S_ISREG(fs.st_mode))
			continue;
		a = arena_attach(de->d_name, INSPECT | ARENA_NOWAIT);
		if (a == NULL) {
			if (errno != EMEDIUMTYPE && errno != EINVAL &&
			    errno != ENAMETOOLONG && errno != ENOENT)
				(void)fail(de->d_name);   /* reported, not fatal */
			continue;
		}
		if (arena_stat(a, &st) == 0) {
			if (o.json) {
				printf("%s{\"name\":", n ? "," : "");
				json_str(stdout, arena_name(a));
				printf(",\"owner\":%u,\"mode\":\"%04o\",\"segment_size\":%"
				       PRIu64 ",\"capacity\":%" PRIu64 ",\"used\":%"
				       PRIu64 ",\"generation\":%" PRIu64
				       ",\"attached\":%u}", (unsigned)fs.st_uid,
				       (unsigned)(fs.st_mode & 07777),
				       st.segment_size, st.capacity, st.used,
				       st.generation, st.attached);
			} else {
				int w = print_str(stdout, arena_name(a));

				printf("%*s %6u %5.4o %8s %8s %5.1f%% %5u\n",
				       w < 24 ? 24 - w : 0, "", (unsigned)fs.st_uid,
				       (unsigned)(fs.st_mode & 07777),
				       fmt_size(st.segment_size, b1, sizeof(b1)),
				       fmt_size(st.used, b2, sizeof(b2)),
				       pct(st.used, st.capacity), st.attached);
			}
			n++;
		}
		arena_detach(a);
	}
	closedir(d);
	if (o.json)
		printf("]\n");
	return 0;
}

/* ---- reset ------------------------------------------------------------- */

/* peer_procs -- the process table of A, malloc'ed, into *NP; NULL when it
 * cannot be read (the message then goes without the pids). */
static struct arena_proc *peer_procs(arena_t *a, int *np)
{
	struct arena_stat st;
	struct arena_proc *p;

	*np = 0;
	if (arena_stat(a, &st) < 0)
		return NULL;
	p = calloc(st.proc_slots + 1, sizeof(*p));
	if (p == NULL)
		return NULL;
	*np = arena_procs(a, p, st.proc_slots);
	if (*np < 0)
		*np = 0;
	if (*np > (int)st.proc_slots)
		*np = (int)st.proc_slots;
	return p;
}

/* reset_busy -- a plain reset refused with EBUSY: name the live peers,
 * with their open sections and pending reset; 1. */
static int reset_busy(arena_t *a)
{
	struct arena_stat st;
	struct arena_proc *p;
	bool sections;
	int np;

	p = peer_procs(a, &np);
	sections = arena_stat(a, &st) == 0 && st.sect_claimed != 0;
	fprintf(stderr, "%s: %s: busy: live processes attached:", prog,
	        arena_name(a));
	for (int i = 0; i < np; i++) {
		if (!p[i].alive || p[i].pid == getpid())
			continue;
		fprintf(stderr, " %d", (int)p[i].pid);
		if (p[i].sections != 0)
			fprintf(stderr, " (%u section%s open)", p[i].sections,
			        plural(p[i].sections));
		if (p[i].resetting)
			fprintf(stderr, " (resetting)");
	}
	/* --wait resets under peers that use no sections, as --force does:
	 * offered only where sections are in use. */
	fprintf(stderr, " (use %s--force to reset anyway)\n",
	        sections ? "--wait to reset once their sections end, or " : "");
	free(p);
	return EXIT_FAILURE;
}

/*
 * reset_wait_failed -- a reset that respects sections failed with errno E
 * (arena_reset_wait() after waiting at most SECS seconds, or a plain
 * arena_reset() refused membarrier(2)): say why; the exit status.
 */
static int reset_wait_failed(arena_t *a, const char *name, int e,
                             double secs)
{
	struct arena_proc *p;
	int np, n = 0;

	if (e != ETIMEDOUT && e != EBUSY && e != ENOSYS && e != EPERM) {
		errno = e;
		return fail(name);
	}
	p = peer_procs(a, &np);
	fprintf(stderr, "%s: %s: ", prog, arena_name(a));
	if (e == ETIMEDOUT) {
		fprintf(stderr, "timed out after %g s: sections still open",
		        secs);
		for (int i = 0; i < np; i++) {
			if (!p[i].alive || p[i].sections == 0)
				continue;
			fprintf(stderr, "%s pid %d (%u section%s)", n++ ? "," : ":",
			        (int)p[i].pid, p[i].sections,
			        plural(p[i].sections));
		}
		fprintf(stderr, "; nothing was reset\n");
	} else if (e == EBUSY) {
		int r = resetter(p, np);

		if (r >= 0 && p[r].pid != getpid())
			fprintf(stderr, "busy: another waiting reset is pending "
			        "(pid %d)\n", (int)p[r].pid);
		else
			fprintf(stderr, "busy: another reset is in progress (a "
			        "trim, or a waiting reset)\n");
	} else {
		fprintf(stderr, "cannot wait for sections: membarrier(2) is "
		        "unavailable (%s)\n", strerror(e));
	}
	free(p);
	return EXIT_FAILURE;
}

static int cmd_reset(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("force", no_argument, OPT_FORCE),
		LONG("wait", optional_argument, OPT_WAIT),
		LONG("trim", no_argument, OPT_TRIM), HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("reset");
	struct opts o;
	arena_t *a;
	int rc;

	if (!begin(c, argc, argv, longs, &o, 1, &rc))
		return rc;
	if (o.force && o.wait)
		return usage_err(c, "--force and --wait exclude each other");
	a = attach(argv[optind], 0);
	if (a == NULL)
		return fail(argv[optind]);
	if (o.wait) {
		struct timespec ts;

		ts.tv_sec = (time_t)o.wait_s;
		ts.tv_nsec = (long)((o.wait_s - (double)ts.tv_sec) * 1e9);
		if (ts.tv_nsec > 999999999L)
			ts.tv_nsec = 999999999L;
		rc = arena_reset_wait(a, o.trim ? ARENA_RESET_TRIM : 0,
		                      o.wait_forever ? NULL : &ts);
		if (rc < 0)
			rc = reset_wait_failed(a, argv[optind], errno, o.wait_s);
	} else {
		rc = arena_reset(a, (o.force ? ARENA_RESET_FORCE : 0) |
		                    (o.trim ? ARENA_RESET_TRIM : 0));
		if (rc < 0 && errno == EBUSY)
			rc = reset_busy(a);
		else if (rc < 0 && (errno == ENOSYS || errno == EPERM))
			rc = reset_wait_failed(a, argv[optind], errno, 0);
		else if (rc < 0)
			rc = fail(argv[optind]);
	}
	arena_detach(a);
	return rc;
}

/* ---- rm ---------------------------------------------------------------- */

static int cmd_rm(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("force", no_argument, OPT_FORCE), HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("rm");
	struct opts o;
	arena_t *a;
	int rc;

	if (!begin(c, argc, argv, longs, &o, 1, &rc))
		return rc;
	if (!o.force) {
		/* Remove arenas, corrupt ones included, but nothing else:
		 * an empty or zeroed object (EAGAIN) may be another program's,
		 * or an arena still being created. */
		a = attach(argv[optind], INSPECT | ARENA_NOWAIT);
		if (a == NULL && (errno == EMEDIUMTYPE || errno == EAGAIN ||
		                  errno == ENOENT || errno == EINVAL ||
		                  errno == ENAMETOOLONG)) {
			if (errno == EMEDIUMTYPE || errno == EAGAIN) {
				char nb[ARENA_NAME_MAX + 2];

				fprintf(stderr, "%s: %s: %s (use --force to remove "
				        "it anyway)\n", prog,
				        full_name(argv[optind], nb, sizeof(nb)),
				        errno == EAGAIN ? "not an arena, or one still "
				        "being created" : "not an arena");
				return EXIT_FAILURE;
			}
			return fail(argv[optind]);
		}
		arena_detach(a);
	}
	if (arena_unlink(argv[optind]) < 0)
		return fail(argv[optind]);
	return 0;
}

/* ---- check ------------------------------------------------------------- */

struct check_ctx {
	bool json;
	int n, warnings;
};

/* check_print -- one finding of arena_check(). */
static void check_print(void *ctx, int severity, const char *msg)
{
	struct check_ctx *k = ctx;

	if (severity == ARENA_CHECK_WARN)
		k->warnings++;
	if (k->json) {
		printf("%s{\"severity\":\"%s\",\"message\":", k->n ? "," : "",
		       severity == ARENA_CHECK_ERROR ? "error" : "warning");
		json_str(stdout, msg);
		printf("}");
	} else {
		printf("%s: %s\n", severity == ARENA_CHECK_ERROR ? "error"
		                                                 : "warning", msg);
	}
	k->n++;
}

static int cmd_check(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("json", no_argument, OPT_JSON), HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("check");
	char nb[ARENA_NAME_MAX + 2], wb[128];
	struct check_ctx k = { 0 };
	struct arena_stat st;
	struct opts o;
	int rc, errors;
	arena_t *a;

	if (!begin(c, argc, argv, longs, &o, 1, &rc))
		return rc;
	k.json = o.json;
	a = attach(argv[optind], INSPECT);
	if (a == NULL) {
		int e = errno;

		if (e == EINVAL || e == ENAMETOOLONG || e == ENOENT ||
		    e == EACCES)
			return fail(argv[optind]);
		/* The segment exists but does not validate: that is the report. */
		full_name(argv[optind], nb, sizeof(nb));
		if (o.json) {
			printf("{\"name\":");
			json_str(stdout, nb);
			printf(",\"sound\":false,\"errors\":1,\"warnings\":0,"
			       "\"findings\":[{\"severity\":\"error\",\"message\":");
			json_str(stdout, why(e, argv[optind], wb, sizeof(wb)));
			printf("}]}\n");
		} else {
			printf("%s: attach refused: %s\n", nb,
			       why(e, argv[optind], wb, sizeof(wb)));
			printf("%s: NOT SOUND\n", nb);
		}
		return EXIT_FAILURE;
	}
	if (o.json) {
		printf("{\"name\":");
		json_str(stdout, arena_name(a));
		printf(",\"findings\":[");
	} else if (arena_stat(a, &st) == 0) {
		char b1[32];

		printf("%s: header valid: format %u, segment %s, generation %"
		       PRIu64 "\n", arena_name(a), st.format_version,
		       fmt_size(st.segment_size, b1, sizeof(b1)), st.generation);
	}
	errors = arena_check(a, check_print, &k);
	if (o.json)
		printf("],\"sound\":%s,\"errors\":%d,\"warnings\":%d}\n",
		       errors == 0 ? "true" : "false", errors, k.warnings);
	else
		printf("%s: %s (%d error%s, %d warning%s)\n", arena_name(a),
		       errors == 0 ? "sound" : "NOT SOUND", errors,
		       errors == 1 ? "" : "s", k.warnings,
		       k.warnings == 1 ? "" : "s");
	arena_detach(a);
	return errors == 0 ? 0 : EXIT_FAILURE;
}

/* ---- dir --------------------------------------------------------------- */

static int cmd_dir(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("json", no_argument, OPT_JSON), HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("dir");
	struct arena_proc *procs;
	struct arena_dirent *dir;
	struct opts o;
	int rc, np, nd;
	arena_t *a;

	if (!begin(c, argc, argv, longs, &o, 1, &rc))
		return rc;
	a = attach(argv[optind], INSPECT);
	if (a == NULL)
		return fail(argv[optind]);
	if (lists(a, &procs, &np, &dir, &nd) < 0) {
		rc = fail(argv[optind]);
		arena_detach(a);
		return rc;
	}
	if (o.json)
		printf("[");
	else if (nd > 0)
		printf("%-31s %-18s %s\n", "KEY", "REF", "OFFSET");
	for (int i = 0; i < nd; i++) {
		if (o.json) {
			printf("%s{\"key\":", i ? "," : "");
			json_str(stdout, dir[i].key);
			printf(",\"ref\":%" PRIu64 ",\"generation\":%" PRIu64
			       ",\"offset\":%" PRIu64 "}", dir[i].ref,
			       ARENA_REF_GENERATION(dir[i].ref),
			       ARENA_REF_OFFSET(dir[i].ref));
		} else {
			int w = print_str(stdout, dir[i].key);

			printf("%*s 0x%016" PRIx64 " %" PRIu64 "\n",
			       w < 31 ? 31 - w : 0, "", dir[i].ref,
			       ARENA_REF_OFFSET(dir[i].ref));
		}
	}
	if (o.json)
		printf("]\n");
	free(procs);
	free(dir);
	arena_detach(a);
	return 0;
}

/* ---- dump -------------------------------------------------------------- */

/*
 * str_copy -- a private copy of S, the string arena_get_str() found at REF
 * in A; NULL with errno EFAULT when it has no NUL before the segment's end
 * any more, or ENOMEM.  arena_get_str() saw a NUL, but a peer may overwrite
 * it the moment after: reading the mapping again to print would then run
 * past the segment's end.  So the string is read once more, here, never
 * beyond the bytes from REF's offset to the end of the segment (the size
 * arena_stat() gives), and only the copy is printed.
 */
static char *str_copy(const arena_t *a, arena_ref_t ref, const char *s)
{
	uint64_t off = ARENA_REF_OFFSET(ref);
	struct arena_stat st;
	size_t n;
	char *c;

	if (arena_stat(a, &st) < 0)
		return NULL;
	if (off >= st.segment_size) {
		errno = EFAULT;
		return NULL;
	}
	n = strnlen(s, (size_t)(st.segment_size - off));
	if (n == st.segment_size - off) {
		errno = EFAULT;         /* the NUL was overwritten meanwhile */
		return NULL;
	}
	c = malloc(n + 1);
	if (c == NULL)
		return NULL;
	memcpy(c, s, n);        /* a NUL written meanwhile only ends it early */
	c[n] = '\0';
	return c;
}

static int cmd_dump(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("len", required_argument, OPT_LEN),
		LONG("str", no_argument, OPT_STR), HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("dump");
	const unsigned char *p;
	struct arena_stat st;
	arena_ref_t ref;
	struct opts o;
	uint64_t len;
	char *end;
	arena_t *a;
	bool ok;
	int rc;

	if (!begin(c, argc, argv, longs, &o, 2, &rc))
		return rc;
	if (o.str && o.have_len)
		return usage_err(c, "--len and --str exclude each other");
	errno = 0;
	ref = strtoull(argv[optind + 1], &end, 0);
	if (!isdigit((unsigned char)argv[optind + 1][0]) || *end != '\0' ||
	    errno != 0 || ref == ARENA_NULL)
		return usage_err(c, "'%s' is not a reference (a non-zero number, "
		                 "e.g. 0x10000000ff00)", argv[optind + 1]);
	a = attach(argv[optind], INSPECT);
	if (a == NULL)
		return fail(argv[optind]);
	if (o.str) {
		const char *s = arena_get_str(a, ref);
		char *copy = s != NULL ? str_copy(a, ref, s) : NULL;

		if (copy != NULL) {
			print_str(stdout, copy);
			putchar('\n');
		}
		ok = copy != NULL;
		free(copy);
	} else {
		len = o.len;
		if (!o.have_len) {
			/* No sizes are stored: show up to 64 bytes. */
			arena_stat(a, &st);
			len = 64;
			if (ARENA_REF_OFFSET(ref) < st.segment_size &&
			    st.segment_size - ARENA_REF_OFFSET(ref) < len)
				len = st.segment_size - ARENA_REF_OFFSET(ref);
		}
		p = arena_get(a, ref, (size_t)len);
		for (uint64_t i = 0; p != NULL && i < len; i += 16) {
			printf("%08" PRIx64 "  ", i);
			for (uint64_t j = i; j < i + 16; j++) {
				if (j < len)
					printf("%02x ", p[j]);
				else
					printf("   ");
				if (j == i + 7)
					putchar(' ');
			}
			printf(" |");
			for (uint64_t j = i; j < i + 16 && j < len; j++)
				putchar(isprint(p[j]) ? p[j] : '.');
			printf("|\n");
		}
		ok = p != NULL;
	}
	if (!ok) {
		int e = errno;

		fprintf(stderr, "%s: %s: reference 0x%" PRIx64 ": %s\n", prog,
		        arena_name(a), ref,
		        e == ESTALE ? "stale (from another generation)" :
		        e == EFAULT ? (o.str ? "out of range or not a string" :
		                       "out of range") : strerror(e));
		arena_detach(a);
		return EXIT_FAILURE;
	}
	arena_detach(a);
	return 0;
}

/* ---- watch ------------------------------------------------------------- */

static volatile sig_atomic_t stop;

/* on_signal -- end the watch loop. */
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* now_s -- monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option longs[] = {
		LONG("interval", required_argument, OPT_INTERVAL),
		LONG("count", required_argument, OPT_COUNT),
		LONG("json", no_argument, OPT_JSON), HELP_OPT, END_OPT
	};
	const struct cmd *c = cmd_find("watch");
	struct arena_stat prev, st;
	struct arena_proc *procs;
	struct chan_view *pcv = NULL, *cv;
	size_t npcv = 0, ncv;
	struct sigaction sa;
	unsigned long shown = 0;
	unsigned slots;
	double t0, t1;
	struct opts o;
	arena_t *a;
	int rc;

	if (!begin(c, argc, argv, longs, &o, 1, &rc))
		return rc;
	a = attach(argv[optind], INSPECT);
	if (a == NULL)
		return fail(argv[optind]);
	/* The process table, read only while a reset is pending: its pid. */
	if (arena_stat(a, &prev) < 0 ||
	    (procs = calloc((slots = prev.proc_slots) + 1,
	                    sizeof(*procs))) == NULL) {
		rc = fail(argv[optind]);
		arena_detach(a);
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (chan_views(a, &pcv, &npcv) < 0)
		npcv = 0;
	t0 = now_s();
	if (!o.json)
		printf("%-8s %8s %6s %10s %10s %8s %5s %5s %8s\n", "TIME", "USED",
		       "USE%", "BYTES/S", "FAILED/S", "GEN", "PEERS", "SECT",
		       "RESET");
	while (!stop && (o.count == 0 || shown < o.count)) {
		struct timespec ts;
		double dt, rate, frate;
		char b1[32], b2[32], clock_s[24], who[16];
		time_t now;
		int np, rs = -1;

		ts.tv_sec = (time_t)o.interval;
		ts.tv_nsec = (long)((o.interval - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop)
			;
		if (stop)
			break;
		arena_stat(a, &st);
		if (st.reset_pending) {
			np = arena_procs(a, procs, slots);
			rs = resetter(procs, np < (int)slots ? np : (int)slots);
		}
		if (chan_views(a, &cv, &ncv) < 0) {
			cv = NULL;
			ncv = 0;
		}
		t1 = now_s();
		dt = t1 - t0 > 0 ? t1 - t0 : 1e-9;
		chan_rates(cv, ncv, pcv, npcv, dt);
		/* Bytes allocated: a reset in between restarts the count. */
		rate = (double)(st.generation == prev.generation &&
		                st.used >= prev.used ? st.used - prev.used
		                                     : st.used) / dt;
		frate = (double)(st.failed_allocs - prev.failed_allocs) / dt;
		now = time(NULL);
		/* The raw seconds, should the clock be no date. */
		(void)fmt_time((int64_t)now, "%H:%M:%S", clock_s, sizeof(clock_s));
		/* RESET: the pending reset's pid, "yes" when the table does
		 * not name it (it began or ended in between), "-" for none. */
		if (rs >= 0)
			snprintf(who, sizeof(who), "%d", (int)procs[rs].pid);
		else
			snprintf(who, sizeof(who), "%s",
			         st.reset_pending ? "yes" : "-");
		if (o.json) {
			printf("{\"time\":%lld,\"used\":%" PRIu64 ",\"capacity\":%"
			       PRIu64 ",\"bytes_per_s\":%.0f,\"failed_per_s\":%.1f"
			       ",\"generation\":%" PRIu64 ",\"attached\":%u"
			       ",\"sections\":%u,\"reset_pending\":%s"
			       ",\"resetter_pid\":%s,\"channels\":[",
			       (long long)now, st.used, st.capacity, rate, frate,
			       st.generation, st.attached, st.sections,
			       st.reset_pending ? "true" : "false",
			       rs >= 0 ? who : "null");
			for (size_t i = 0; i < ncv; i++) {
				if (i)
					putchar(',');
				json_chan(&cv[i], true);
			}
			printf("]}\n");
		} else {
			/* GEN: 8 digits, up to 16777215 (a new arena
			 * starts at a random generation) */
			printf("%-8s %8s %5.1f%% %10s %10.1f %8" PRIu64 " %5u %5u "
			       "%8s\n", clock_s, fmt_size(st.used, b1, sizeof(b1)),
			       pct(st.used, st.capacity),
			       fmt_size((uint64_t)rate, b2, sizeof(b2)), frate,
			       st.generation, st.attached, st.sections, who);
			for (size_t i = 0; i < ncv; i++)
				watch_chan(&cv[i]);
		}
		fflush(stdout);
		chan_views_free(pcv, npcv);
		pcv = cv;
		npcv = ncv;
		prev = st;
		t0 = t1;
		shown++;
	}
	chan_views_free(pcv, npcv);
	free(procs);
	arena_detach(a);
	return 0;
}

/* ---- main -------------------------------------------------------------- */

static const struct cmd cmds[] = {
	{ "create", "Create an arena of SIZE usable bytes (K, M, G, T suffixes).",
	  cmd_create, "create NAME SIZE [--mode MODE] [--sparse] [--procs N] "
	  "[--dir-slots N] [--sections N] [--perm SIZE]" },
	{ "info", "Show an arena's geometry, usage, processes, directory and "
	  "channels.", cmd_info, "info NAME [--json]" },
	{ "list", "List the arenas in /dev/shm.", cmd_list, "list [--json]" },
	{ "reset", "Free everything in an arena at once (new generation).",
	  cmd_reset, "reset NAME [--force | --wait[=SECONDS]] [--trim]" },
	{ "rm", "Remove an arena's name (attached processes keep it mapped).",
	  cmd_rm, "rm NAME [--force]" },
	{ "check", "Verify an arena's header, process table and directory.",
	  cmd_check, "check NAME [--json]" },
	{ "dir", "List an arena's directory.", cmd_dir, "dir NAME [--json]" },
	{ "dump", "Show one object as a hex dump or a string.", cmd_dump,
	  "dump NAME REF [--len N] [--str]" },
	{ "watch", "Show usage, rates, generation, peers, sections, channels "
	  "live.",
	  cmd_watch, "watch NAME [--interval S] [--count N] [--json]" },
	{ "mkchan", "Create a channel bound to KEY in an arena's permanent part.",
	  cmd_mkchan, "mkchan NAME KEY [--capacity SIZE] [--slots N] "
	  "[--producers N] [--receivers N] [--groups N]" },
	{ NULL, NULL, NULL, NULL }
};

static const struct cmd *cmd_find(const char *name)
{
	for (const struct cmd *c = cmds; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* main_usage -- the overall usage on F. */
static void main_usage(FILE *f)
{
	fprintf(f, "usage: %s COMMAND [ARGS]\n       %s -h | -V\n\ncommands:\n",
	        prog, prog);
	for (const struct cmd *c = cmds; c->name != NULL; c++)
		fprintf(f, "  %-7s %s\n", c->name, c->brief);
	fprintf(f, "\n'%s COMMAND -h' shows a command's options; see "
	        "arenactl(1).\n", prog);
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		main_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("arenactl (libarena) %d.%d.%d, segment format %d\n",
		       ARENA_VERSION_MAJOR, ARENA_VERSION_MINOR,
		       ARENA_VERSION_PATCH, ARENA_FORMAT_VERSION);
		return 0;
	}
	c = cmd_find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
		main_usage(stderr);
		return EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
