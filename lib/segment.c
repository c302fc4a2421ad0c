/*
 * segment.c - segment lifecycle and validation: names, create, attach,
 * detach, unlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <urcu/futex.h>

#include "internal.h"

#define ATTACH_FLAGS (ARENA_RDONLY | ARENA_ANY_OWNER | ARENA_NOWAIT | \
                      ARENA_PREFAULT)
static int prefault(struct arena *a);

/* Create flags recorded in the segment (the rest concern the creator). */
#define RECORDED_FLAGS ARENA_CREATE_SPARSE

/* The process's live handles: arena_detach() frees only what is listed,
 * so a second detach of one handle is an error, not a double free. */
static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static struct arena *handles;

/* own_description -- a new open file description of the object FD is on
 * (for its locks), with FLAGS; -1 and errno. */
static int own_description(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC | O_NOCTTY);
}

/* Fork: the handles a child inherits must not keep the parent's locks:
 * they share its open file descriptions, whose locks live until the last
 * descriptor closes.  The child's copies get descriptions of their own,
 * no slot, and become read-only: an untracked process must not allocate,
 * publish or reset (EROFS); reading goes on working. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&handles_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&handles_lock);
}

static void fork_child(void)
{
	sect_fork_child();
	for (struct arena *a = handles; a != NULL; a = a->next) {
		int nfd;

		a->slot = -1;
		a->state_rw = NULL;
		a->grace_mark = 0;      /* the parent's prepared reset */
		if (a->lock_fd < 0)
			continue;
		nfd = own_description(a->lock_fd, rdonly(a) ? O_RDONLY : O_RDWR);
		if (nfd < 0 || dup2(nfd, a->lock_fd) < 0) {
			close(a->lock_fd);   /* liveness then reads as "live" */
			a->lock_fd = -1;
		}
		if (nfd >= 0)
			close(nfd);
	}
	pthread_mutex_unlock(&handles_lock);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_register(void)
{
	(void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* handle_add -- list A as live. */
static void handle_add(struct arena *a)
{
	pthread_once(&fork_once, fork_register);
	pthread_mutex_lock(&handles_lock);
	a->magic = HANDLE_MAGIC;
	a->next = handles;
	handles = a;
	pthread_mutex_unlock(&handles_lock);
}

bool handles_own_slot(const struct arena *a, uint32_t i)
{
	bool own = false;

	pthread_mutex_lock(&handles_lock);
	for (const struct arena *h = handles; h != NULL && !own; h = h->next)
		own = h->slot == (int)i && h->dev == a->dev && h->ino == a->ino;
	pthread_mutex_unlock(&handles_lock);
	return own;
}

/* handle_remove -- take A off the list of live handles: 0, or -1 and
 * EINVAL (not listed: detached already, or never a handle; A is not read)
 * or EBUSY (channel handles opened through it are open). */
static int handle_remove(struct arena *a)
{
	struct arena **pp;
	int ret = -1;

	pthread_mutex_lock(&handles_lock);
	errno = EINVAL;
	for (pp = &handles; *pp != NULL; pp = &(*pp)->next) {
		if (*pp != a)
			continue;
		if (uatomic_read(&a->chans) != 0) {
			errno = EBUSY;  /* they point into the mapping */
			break;
		}
		*pp = a->next;
		a->magic = 0;
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&handles_lock);
	return ret;
}

uint64_t fmt_checksum(const struct fmt_header *h)
{
	const unsigned char *p = (const unsigned char *)h;
	uint64_t x = UINT64_C(0xcbf29ce484222325);

	for (unsigned i = 0; i < FMT_CHECKSUMMED; i++) {
		x ^= p[i];
		x *= UINT64_C(0x100000001b3);
	}
	return x;
}

int name_norm(const char *name, char out[ARENA_NAME_MAX + 1])
{
	size_t n;

	if (name == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (name[0] == '/')
		name++;
	n = strlen(name);
	if (n == 0 || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		errno = EINVAL;
		return -1;
	}
	if (n + 1 > ARENA_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[0] = '/';
	memcpy(out + 1, name, n + 1);
	return 0;
}

/* tables_layout -- place the process table, directory and section table;
 * the header size. */
static uint64_t tables_layout(uint32_t procs, uint32_t dirs, uint32_t sects,
                              uint32_t pdirs, uint32_t *proc_off,
                              uint32_t *dir_off)
{
	uint64_t end;

	*proc_off = FMT_TABLES;
	*dir_off = FMT_TABLES + procs * FMT_PROC_SLOT;
	end = FMT_PERM_DIR_OFFSET(*dir_off, dirs, sects) +
	      (uint64_t)pdirs * sizeof(struct fmt_dirent);
	return (end + FMT_PAGE - 1) / FMT_PAGE * FMT_PAGE;
}

/* handle_init -- fill the private geometry from a validated copy H. */
static void handle_init(struct arena *a, void *base,
                        const struct fmt_header *h, const char *name,
                        bool rdonly)
{
	a->base = base;
	a->hdr = base;
	a->state_rw = rdonly ? NULL : &a->hdr->state;
	a->seg_size = h->segment_size;
	a->meta_size = h->header_size;
	a->hdr_size = h->header_size + h->perm_size;
	a->proc_slots = h->proc_slots;
	a->dir_slots = h->dir_slots;
	a->procs = (uint64_t *)(void *)(a->base + h->proc_offset);
	a->dir = (struct fmt_dirent *)(void *)(a->base + h->dir_offset);
	a->sect_slots = h->sect_slots;
	a->perm_dir_slots = h->perm_dir_slots;
	a->perm_dir = (struct fmt_dirent *)(void *)(a->base +
	              FMT_PERM_DIR_OFFSET(h->dir_offset, h->dir_slots,
	                                  h->sect_slots));
	a->perm_tag = h->perm_tag;
	a->sects = (struct fmt_sect *)(void *)(a->base +
	           FMT_SECT_OFFSET(h->dir_offset, h->dir_slots));
	a->flags = h->flags;
	a->creator_uid = h->creator_uid;
	a->create_time = h->create_time;
	a->slot = -1;
	a->fd = -1;
	a->lock_fd = -1;
	a->proc_off = h->proc_offset;
	snprintf(a->name, sizeof(a->name), "%s", name);
}

/*
 * handle_lock_fd -- give A an open file description of its own on the
 * object FD is open on, for its process-table locks.  Not FD's: the
 * mapping holds FD's description, and a child inherits the mapping, so a
 * lock on it would outlive its holder.  Opened through /proc/self/fd.
 * PRIVATE: FD's description is this handle's alone (a named arena, opened
 * by us), and the name is tried first; when no new one can be opened (no
 * /proc, or a mode that denies us), its duplicate will do, at the price that a child inheriting the
 * mapping keeps the entry live.  A memfd's description travels with the
 * descriptor to other processes: never.
 */
static int handle_lock_fd(struct arena *a, int fd, bool private)
{
	int mode = rdonly(a) ? O_RDONLY : O_RDWR;
	struct stat st, st2;

	if (fstat(fd, &st) < 0)
		return -1;
	/* A named object: opening its name again is cheaper than /proc, and
	 * right if the name still leads to it (it may have been unlinked or
	 * replaced meanwhile). */
	a->lock_fd = -1;
	if (private && a->name[0] == '/') {
		int nfd = shm_open(a->name, mode | O_NONBLOCK | O_CLOEXEC, 0);

		if (nfd >= 0 && fstat(nfd, &st2) == 0 && st2.st_dev == st.st_dev &&
		    st2.st_ino == st.st_ino)
			a->lock_fd = nfd;
		else if (nfd >= 0)
			close(nfd);
	}
	if (a->lock_fd < 0)
		a->lock_fd = own_description(fd, mode);
	if (a->lock_fd < 0 && private)
		a->lock_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (a->lock_fd < 0) {
		if (errno == ENOENT)
			errno = ENOSYS;      /* a memfd without /proc */
		return -1;
	}
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	return 0;
}

/* Where a new segment's parts go. */
struct layout {
	uint64_t hsize, psize, ssize;
	uint32_t proc_off, dir_off;
};

/* geometry -- check CAPACITY and OPTS, fill O with defaults and L with the
 * sizes and offsets of the segment; -1 and errno (EINVAL, EFBIG) otherwise. */
static int geometry(size_t capacity, const struct arena_options *opts,
                    struct arena_options *o, struct layout *l)
{
	memset(o, 0, sizeof(*o));
	if (opts != NULL)
		*o = *opts;
	if (o->mode == 0)
		o->mode = 0600;
	if (o->proc_slots == 0)
		o->proc_slots = ARENA_DEFAULT_PROCS;
	if (o->sect_slots == 0)
		o->sect_slots = ARENA_DEFAULT_SECTIONS;
	if (o->perm_dir_slots == 0 && o->perm_size != 0)
		o->perm_dir_slots = ARENA_DEFAULT_PERM_DIR_SLOTS;
	else if (o->perm_dir_slots == ARENA_DIR_NONE)
		o->perm_dir_slots = 0;
	if (o->dir_slots == 0)
		o->dir_slots = ARENA_DEFAULT_DIR_SLOTS;
	else if (o->dir_slots == ARENA_DIR_NONE)
		o->dir_slots = 0;
	if (capacity == 0 ||
	    (o->flags & ~(ARENA_CREATE_SPARSE | ARENA_CREATE_PREFAULT)) != 0 ||
	    (o->mode & ~07777u) != 0 || o->proc_slots > ARENA_MAX_SLOTS ||
	    o->dir_slots > ARENA_MAX_SLOTS || o->sect_slots > ARENA_MAX_SLOTS ||
	    o->perm_dir_slots > ARENA_MAX_SLOTS ||
	    (o->perm_size == 0 && o->perm_dir_slots != 0)) {
		errno = EINVAL;
		return -1;
	}
	l->hsize = tables_layout(o->proc_slots, o->dir_slots, o->sect_slots,
	                         o->perm_dir_slots, &l->proc_off, &l->dir_off);
	if (o->perm_size > ARENA_MAX_SEGMENT) {
		errno = EFBIG;
		return -1;
	}
	l->psize = (o->perm_size + FMT_PAGE - 1) / FMT_PAGE * FMT_PAGE;
	if (l->psize > ARENA_MAX_SEGMENT - l->hsize ||
	    capacity > ARENA_MAX_SEGMENT - l->hsize - l->psize) {
		errno = EFBIG;
		return -1;
	}
	l->ssize = l->hsize + l->psize + capacity;
	if ((uint64_t)(off_t)l->ssize != l->ssize ||
	    (uint64_t)(size_t)l->ssize != l->ssize) {
		errno = EFBIG;
		return -1;
	}
	return 0;
}

/*
 * first_gen -- the generation a new segment starts at: uniform in
 * [1, 2^24 - 1], so that a reference from another arena, or from an earlier
 * segment of the same name, names the current generation only with
 * probability 1/(2^24 - 1).  From getrandom(2); where that fails (no
 * entropy yet, or no such system call), from the clock and the pid, which
 * still differ from one segment to the next.
 */
static uint64_t first_gen(void)
{
	static unsigned long calls;
	uint64_t x = 0;

	for (;;) {
		uint32_t r;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r)) {
			x = r;
		} else {
			struct timespec ts = { 0, 0 };

			(void)clock_gettime(CLOCK_MONOTONIC, &ts);
			/* splitmix64 over time, pid and a call count */
			x += (uint64_t)ts.tv_sec * UINT64_C(1000000000) +
			     (uint64_t)ts.tv_nsec + UINT64_C(0x9e3779b97f4a7c15);
			x ^= (uint64_t)getpid() << 32 ^
			     (uint64_t)uatomic_add_return(&calls, 1);
			x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
			x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
			x ^= x >> 31;
		}
		/* 0 is never a generation: draw again, which keeps the rest
		 * uniform. */
		if ((x & FMT_GEN_MASK) != 0)
			return x & FMT_GEN_MASK;
	}
}

/*
 * segment_build -- size the new object FD, reserve its memory, seal it if
 * asked, map it and write the header, READY last.  The mapping, or
 * MAP_FAILED and errno.
 */
static void *segment_build(int fd, const struct arena_options *o,
                           const struct layout *l, bool seal)
{
	struct fmt_header *h;
	void *base;
	uint64_t gen;
	int err;

	if (fchmod(fd, o->mode) < 0 || ftruncate(fd, (off_t)l->ssize) < 0)
		return MAP_FAILED;
	if (!(o->flags & ARENA_CREATE_SPARSE)) {
		err = posix_fallocate(fd, 0, (off_t)l->ssize);
		if (err != 0) {
			errno = (err == EFBIG || err == ENOSPC) ? ENOSPC : err;
			return MAP_FAILED;
		}
	}
	if (seal && fcntl(fd, F_ADD_SEALS,
	                  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return MAP_FAILED;
	base = mmap(NULL, l->ssize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return MAP_FAILED;
	/* The object is fresh from ftruncate: all zero.  Identity first. */
	h = base;
	h->magic = FMT_MAGIC;
	h->version = FMT_VERSION;
	h->header_size = (uint32_t)l->hsize;
	h->segment_size = l->ssize;
	h->flags = o->flags & RECORDED_FLAGS;
	h->create_time = (int64_t)time(NULL);
	h->creator_uid = (uint32_t)geteuid();
	h->proc_slots = o->proc_slots;
	h->dir_slots = o->dir_slots;
	h->proc_offset = l->proc_off;
	h->dir_offset = l->dir_off;
	h->sect_slots = o->sect_slots;
	h->perm_size = l->psize;
	h->perm_dir_slots = o->perm_dir_slots;
	h->perm_tag = (uint32_t)first_gen();
	h->checksum = fmt_checksum(h);
	gen = first_gen();
	uatomic_set(&h->state, FMT_WORD(gen, l->ssize));
	uatomic_set(&h->epoch, FMT_WORD(gen, 0));
	uatomic_set(&h->perm_top, l->hsize + l->psize);
	uatomic_set(&h->perm_probe, FMT_WORD(h->perm_tag, 0));
	/* Everything above before READY. */
	cmm_smp_wmb();
	uatomic_set(&h->init_state, FMT_READY);
	cmm_smp_mb();
	futex_async((int32_t *)(void *)&h->init_state, FUTEX_WAKE, INT32_MAX,
	            NULL, NULL, 0);
	return base;
}

/*
 * create_on -- build the segment on the new object FD (SEAL: a memfd to
 * seal, whose descriptor the handle keeps) and return its handle,
 * registered in its process table.  NULL and errno on failure; the caller
 * closes and removes the object.
 */
static struct arena *create_on(int fd, const char *name,
                               const struct arena_options *o,
                               const struct layout *l, bool seal)
{
	struct arena *a;
	void *base;
	int err;

	base = segment_build(fd, o, l, seal);
	if (base == MAP_FAILED)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a != NULL) {
		handle_init(a, base, base, name, false);
		if (handle_lock_fd(a, fd, !seal) == 0 && proc_register(a) == 0) {
			if (!(o->flags & ARENA_CREATE_PREFAULT) ||
			    prefault(a) == 0) {
				a->fd = seal ? fd : -1;
				handle_add(a);
				return a;
			}
			proc_release(a);
		}
	}
	err = errno;
	if (a != NULL && a->lock_fd >= 0)
		close(a->lock_fd);
	free(a);
	munmap(base, l->ssize);
	errno = err;
	return NULL;
}

arena_t *arena_create(const char *name, size_t capacity,
                      const struct arena_options *opts)
{
	char nm[ARENA_NAME_MAX + 1];
	struct arena_options o;
	struct layout l;
	struct arena *a;
	int fd, err;

	if (name_norm(name, nm) < 0 || geometry(capacity, opts, &o, &l) < 0)
		return NULL;
	fd = shm_open(nm, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, o.mode);
	if (fd < 0)
		return NULL;
	a = create_on(fd, nm, &o, &l, false);
	err = errno;
	close(fd);
	if (a == NULL) {
		shm_unlink(nm);
		errno = err;
	}
	return a;
}

arena_t *arena_create_memfd(const char *label, size_t capacity,
                            const struct arena_options *opts)
{
	char nm[ARENA_NAME_MAX + 1];
	struct arena_options o;
	struct layout l;
	struct arena *a;
	int fd, err;

	if (label == NULL)
		label = "arena";
	if (strlen(label) > 249 || strchr(label, '/') != NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (geometry(capacity, opts, &o, &l) < 0)
		return NULL;
	snprintf(nm, sizeof(nm), "memfd:%s", label);
	fd = memfd_create(label, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return NULL;
	a = create_on(fd, nm, &o, &l, true);
	if (a == NULL) {
		err = errno;
		close(fd);
		errno = err;
	}
	return a;
}

/* ms_left -- milliseconds until DEADLINE (CLOCK_MONOTONIC), at least 0. */
static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/*
 * wait_ready -- wait, bounded, for the creator to publish READY.  Uses the
 * futex on init_state; the creator wakes it.  A short sleep cap covers a
 * creator that set READY before we slept.
 */
static int wait_ready(struct fmt_header *h, const struct timespec *deadline)
{
	for (;;) {
		uint32_t st = uatomic_read(&h->init_state);
		struct timespec ts;
		long ms;

		if (st == FMT_READY) {
			cmm_smp_rmb();
			return 0;
		}
		if (st != FMT_INITIALIZING) {
			errno = EBADMSG;
			return -1;
		}
		ms = ms_left(deadline);
		if (ms == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (ms > 50)
			ms = 50;
		ts.tv_sec = 0;
		ts.tv_nsec = ms * 1000000L;
		futex_async((int32_t *)(void *)&h->init_state, FUTEX_WAIT,
		            (int32_t)FMT_INITIALIZING, &ts, NULL, 0);
	}
}

/*
 * validate -- everything attach checks once READY, on a private copy H of
 * the identity block and the state word W; errno on failure.
 */
static int validate(const struct fmt_header *h, uint64_t w, uint64_t size,
                    bool rdonly)
{
	uint64_t hs, top, tables;

	if (h->magic != FMT_MAGIC) {
		errno = EMEDIUMTYPE;
		return -1;
	}
	if (h->version != FMT_VERSION || (h->incompat & ~FMT_INCOMPAT_KNOWN) ||
	    (!rdonly && (h->rocompat & ~FMT_ROCOMPAT_KNOWN))) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if (h->checksum != fmt_checksum(h))
		goto corrupt;
	hs = h->header_size;
	if (hs < FMT_PAGE || hs % FMT_PAGE != 0 || h->segment_size != size ||
	    size <= hs || size > ARENA_MAX_SEGMENT ||
	    h->proc_slots == 0 || h->proc_slots > ARENA_MAX_SLOTS ||
	    h->dir_slots > ARENA_MAX_SLOTS || h->sect_slots == 0 ||
	    h->sect_slots > ARENA_MAX_SLOTS ||
	    h->perm_dir_slots > ARENA_MAX_SLOTS || h->perm_size % FMT_PAGE ||
	    h->perm_size >= size - hs ||
	    (h->perm_size == 0 && h->perm_dir_slots != 0) ||
	    h->perm_tag == 0 || h->perm_tag > FMT_GEN_MASK ||
	    (h->flags & ~ARENA_CREATE_SPARSE))
		goto corrupt;
	if (h->proc_offset != FMT_TABLES ||
	    h->dir_offset != FMT_TABLES + h->proc_slots * FMT_PROC_SLOT)
		goto corrupt;
	tables = FMT_PERM_DIR_OFFSET(h->dir_offset, h->dir_slots,
	                             h->sect_slots) +
	         (uint64_t)h->perm_dir_slots * sizeof(struct fmt_dirent);
	if (tables > hs || (tables + FMT_PAGE - 1) / FMT_PAGE * FMT_PAGE != hs)
		goto corrupt;
	top = FMT_OFF(w);
	if ((top < hs + h->perm_size && top != FMT_TOP_TRIMMING) || top > size ||
	    FMT_GEN(w) == 0)
		goto corrupt;
	return 0;
corrupt:
	errno = EBADMSG;
	return -1;
}

/*
 * attach_on -- attach the object open as FD (not consumed), named NM for
 * messages; KEEP_FD: keep a duplicate of FD in the handle.  What
 * arena_attach() and arena_attach_fd() share.
 */
static arena_t *attach_on(int fd, const char *nm, unsigned flags, bool keep_fd)
{
	bool rdonly = (flags & ARENA_RDONLY) != 0;
	struct timespec deadline;
	struct arena *a = NULL;
	struct fmt_header copy;
	struct stat st;
	void *base = MAP_FAILED;
	uint64_t size = 0;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (!(flags & ARENA_NOWAIT)) {
		deadline.tv_sec += ARENA_DEFAULT_ATTACH_WAIT_MS / 1000;
		deadline.tv_nsec += (ARENA_DEFAULT_ATTACH_WAIT_MS % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	/* A creator sizes the object right after creating it: wait for that. */
	for (;;) {
		if (fstat(fd, &st) < 0)
			goto fail;
		if (st.st_uid != geteuid() && !(flags & ARENA_ANY_OWNER)) {
			errno = EPERM;
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			errno = EMEDIUMTYPE;   /* a FIFO, a directory, a device */
			goto fail;
		}
		if (st.st_size != 0)
			break;
		if (ms_left(&deadline) == 0) {
			errno = (flags & ARENA_NOWAIT) ? EAGAIN : ETIMEDOUT;
			goto fail;
		}
		usleep(1000);
	}
	size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode) || size < sizeof(struct fmt_header) ||
	    size > ARENA_MAX_SEGMENT || (uint64_t)(size_t)size != size) {
		uint64_t magic = 0;

		/* Too small or too big to be ours: is it an arena at all? */
		if (S_ISREG(st.st_mode) &&
		    pread(fd, &magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
		    magic == FMT_MAGIC)
			errno = EBADMSG;
		else
			errno = EMEDIUMTYPE;
		goto fail;
	}
	base = mmap(NULL, size, PROT_READ | (rdonly ? 0 : PROT_WRITE),
	            MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		goto fail;
	{
		struct fmt_header *h = base;
		uint64_t magic = uatomic_read(&h->magic);

		if (magic != FMT_MAGIC && magic != 0) {
			errno = EMEDIUMTYPE;
			goto fail;
		}
		/* Another format's init word may lie elsewhere: refuse it
		 * before waiting for ours.  0: the creator has not written
		 * the version yet. */
		if (magic == FMT_MAGIC) {
			uint32_t v = uatomic_read(&h->version);

			if (v != 0 && v != FMT_VERSION) {
				errno = EPROTONOSUPPORT;
				goto fail;
			}
		}
		if (wait_ready(h, &deadline) < 0) {
			if (errno == ETIMEDOUT && (flags & ARENA_NOWAIT))
				errno = EAGAIN;
			goto fail;
		}
		/* Validate a snapshot: a peer may be rewriting the header. */
		memset(&copy, 0, sizeof(copy));
		memcpy(&copy, h, FMT_CHECKSUMMED + sizeof(copy.checksum));
		if (validate(&copy, uatomic_read(&h->state), size, rdonly) < 0)
			goto fail;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		goto fail;
	handle_init(a, base, &copy, nm, rdonly);
	if (keep_fd && (a->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		goto fail;
	if (handle_lock_fd(a, fd, !keep_fd) < 0)
		goto fail;
	if (!rdonly && proc_register(a) < 0)
		goto fail;
	if ((flags & ARENA_PREFAULT) && prefault(a) < 0) {
		err = errno;
		if (a->slot >= 0)
			proc_release(a);
		errno = err;
		goto fail;
	}
	handle_add(a);
	return a;

fail:
	err = errno;
	if (base != MAP_FAILED)
		munmap(base, size);
	if (a != NULL && a->fd >= 0)
		close(a->fd);
	if (a != NULL && a->lock_fd >= 0)
		close(a->lock_fd);
	free(a);
	errno = err;
	return NULL;
}

arena_t *arena_attach(const char *name, unsigned flags)
{
	char nm[ARENA_NAME_MAX + 1];
	arena_t *a;
	int fd, err;

	if (name_norm(name, nm) < 0)
		return NULL;
	if (flags & ~ATTACH_FLAGS) {
		errno = EINVAL;
		return NULL;
	}
	/* Non-blocking: a FIFO planted under the name must not hang us
	 * (attach_on refuses anything but a regular file). */
	fd = shm_open(nm, ((flags & ARENA_RDONLY) ? O_RDONLY : O_RDWR) |
	              O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return NULL;
	a = attach_on(fd, nm, flags, false);
	err = errno;
	close(fd);
	errno = err;
	return a;
}

arena_t *arena_attach_fd(int fd, unsigned flags)
{
	const int need = F_SEAL_SHRINK | F_SEAL_GROW;
	char nm[ARENA_NAME_MAX + 1], path[64], link[ARENA_NAME_MAX + 1];
	ssize_t n;
	int seals;

	if (fd < 0 || (flags & ~ATTACH_FLAGS)) {
		errno = fd < 0 ? EBADF : EINVAL;
		return NULL;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 && errno == EBADF)
		return NULL;
	if (seals < 0 || (seals & need) != need) {
		errno = ENOTSUP;     /* not a sealed memfd: could be truncated */
		return NULL;
	}
	/* The label the creator gave: /proc shows "/memfd:LABEL (deleted)". */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (strncmp(link, "/memfd:", 7) == 0) {
		char *end = strstr(link, " (deleted)");

		if (end != NULL)
			*end = '\0';
		snprintf(nm, sizeof(nm), "%s", link + 1);
	} else {
		snprintf(nm, sizeof(nm), "memfd:");
	}
	/* The descriptor was handed over on purpose: any owner will do. */
	return attach_on(fd, nm, flags | ARENA_ANY_OWNER, true);
}

/*
 * prefault -- map every page of A's segment in: MADV_POPULATE_WRITE (or
 * _READ for a read-only handle) where the kernel has it (Linux 5.14),
 * followed by a read of each page, else
 * one access per page, a read, or for a read-write handle an atomic add of
 * 0, which changes no byte however peers write at the same time.
 */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ  22
#define MADV_POPULATE_WRITE 23
#endif
int prefault_range(struct arena *a, uint64_t off, uint64_t n)
{
	unsigned char *p = a->base + off;
	size_t len = (size_t)n;

	if (madvise(p, len, rdonly(a) ? MADV_POPULATE_READ
	                              : MADV_POPULATE_WRITE) == 0) {
		/* Then one read of each page from user space: a hypervisor
		 * that shadows the guest's page tables (PVM) still fills each
		 * page at its first user access, some microseconds, which
		 * would otherwise fall on the caller's first use. */
		uint64_t sum = 0;

		for (size_t o = 0; o < len; o += FMT_PAGE)
			sum += uatomic_read((uint64_t *)(void *)(p + o));
		(void)sum;
		return 0;
	}
	if (errno != EINVAL)
		return -1;          /* ENOMEM, EFAULT: no memory behind it */
	for (size_t o = 0; o < len; o += FMT_PAGE) {
		uint64_t *w = (uint64_t *)(void *)(p + o);

		if (rdonly(a))
			(void)uatomic_read(w);
		else
			uatomic_add(w, 0);
	}
	return 0;
}

static int prefault(struct arena *a)
{
	return prefault_range(a, 0, a->seg_size);
}

int arena_prefault(arena_t *a)
{
	if (!handle_ok(a)) {
		errno = EINVAL;
		return -1;
	}
	return prefault(a);
}

int arena_mapping(const arena_t *a, void **addr, size_t *len)
{
	if (!handle_ok(a) || addr == NULL || len == NULL) {
		errno = EINVAL;
		return -1;
	}
	*addr = a->base;
	*len = (size_t)a->seg_size;
	return 0;
}

int arena_detach(arena_t *a)
{
	if (a == NULL)
		return 0;
	if (handle_remove(a) < 0)
		return -1;
	/* A forked child's copy of the handle owns no slot (fork_child). */
	if (a->slot >= 0) {
		if (a->grace_mark != 0)
			grace_end(a, a->grace_mark);    /* a prepared reset */
		proc_release(a);
	}
	munmap(a->base, a->seg_size);
	if (a->fd >= 0)
		close(a->fd);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	free(a);
	return 0;
}

int arena_unlink(const char *name)
{
	char nm[ARENA_NAME_MAX + 1];

	if (name_norm(name, nm) < 0)
		return -1;
	return shm_unlink(nm);
}

const char *arena_name(const arena_t *a)
{
	if (!handle_ok(a)) {
		errno = EINVAL;
		return NULL;
	}
	return a->name;
}
