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
	if (a == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (a->fd < 0) {
		errno = EBADF;      /* a named arena: attach it by name */
		return -1;
	}
	return a->fd;
}

int arena_send_fd(int sock, const arena_t *a)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char tag = 'A';
	struct iovec iov = { &tag, 1 };
	struct msghdr m;
	struct cmsghdr *c;
	int fd = arena_fd(a);

	if (fd < 0)
		return -1;
	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	while (sendmsg(sock, &m, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int arena_recv_fd(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char tag;
	struct iovec iov = { &tag, 1 };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = sizeof(u.buf);
	while ((n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			return -1;
	if (n == 0) {
		errno = ENOTCONN;    /* the peer closed the socket */
		return -1;
	}
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	}
	if (fd < 0 || tag != 'A' || (m.msg_flags & MSG_CTRUNC)) {
		if (fd >= 0)
			close(fd);
		errno = EPROTO;      /* not a message of arena_send_fd() */
		return -1;
	}
	return fd;
}
