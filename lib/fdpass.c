/*
 * fdpass.c - memfd arenas shared by descriptor: arena_fd, and passing the
 * descriptor over a UNIX socket (SCM_RIGHTS).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

int arena_fd(const arena_t *a)
{
	if (!handle_ok(a)) {
		errno = EINVAL;
		return -1;
	}
	if (a->fd < 0) {
		errno = EBADF;      /* a named arena: attach it by name */
		return -1;
	}
	return a->fd;
}

/* One message of the protocol: a one-byte tag, and one fd as control. */
struct fdmsg {
	char tag;
	struct iovec iov;
	struct msghdr m;
};

/* fdmsg_init -- an empty message F with control buffer CTL of N bytes. */
static void fdmsg_init(struct fdmsg *f, void *ctl, size_t n)
{
	memset(f, 0, sizeof(*f));
	memset(ctl, 0, n);
	f->tag = 'A';
	f->iov.iov_base = &f->tag;
	f->iov.iov_len = 1;
	f->m.msg_iov = &f->iov;
	f->m.msg_iovlen = 1;
	f->m.msg_control = ctl;
	f->m.msg_controllen = n;
}

/* The control buffer, aligned for a cmsghdr. */
#define FDMSG_CTL union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; }

int arena_send_fd(int sock, const arena_t *a)
{
	FDMSG_CTL u;
	struct fdmsg f;
	struct msghdr *m = &f.m;
	struct cmsghdr *c;
	int fd = arena_fd(a);

	if (fd < 0)
		return -1;
	fdmsg_init(&f, u.buf, sizeof(u.buf));
	c = CMSG_FIRSTHDR(m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	while (sendmsg(sock, m, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int arena_recv_fd(int sock)
{
	FDMSG_CTL u;
	struct fdmsg f;
	struct msghdr *m = &f.m;
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	fdmsg_init(&f, u.buf, sizeof(u.buf));
	f.tag = 0;
	while ((n = recvmsg(sock, m, MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			return -1;
	if (n == 0) {
		errno = ENOTCONN;    /* the peer closed the socket */
		return -1;
	}
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	}
	if (fd < 0 || f.tag != 'A' || (m->msg_flags & MSG_CTRUNC)) {
		if (fd >= 0)
			close(fd);
		errno = EPROTO;      /* not a message of arena_send_fd() */
		return -1;
	}
	return fd;
}
