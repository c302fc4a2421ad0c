"""Channel: a message log inside an arena (arena_chan_create(3)), zero-copy."""
from __future__ import annotations

import ctypes
import dataclasses
import weakref
from ctypes import byref, c_size_t, c_void_p
from typing import Optional, Sequence, Union

from . import _lib
from ._lib import lib
from .arena import Arena, Buffer, _err, _fields, _key, blocking
from .errors import make_error

PRODUCER = 1
SUBSCRIBER = 2
MEMBER = 3
GROUP = 4
GROUP_MAX = _lib.CHAN_GROUP_MAX
BATCH_MAX = 256
_ROLES = {"producer": PRODUCER, "subscriber": SUBSCRIBER, "member": MEMBER}
_ROLE_NAMES = {v: k for k, v in _ROLES.items()} | {GROUP: "group"}
_EMPTY = memoryview(b"")


@dataclasses.dataclass(frozen=True)
class Message:
    """A received message: DATA is a read-only view of the bytes in the
    arena, valid until the channel's next receive, release() or close()."""
    data: memoryview
    seq: int                 # the channel's sequence number (wraps)
    producer: int            # index of the producer entry that sent it


@dataclasses.dataclass(frozen=True)
class ChanPeer:
    """A producer, subscriber, member or group of a channel."""
    role: int
    alive: bool
    pid: int
    index: int
    group: str
    seq: int
    lag: int
    lag_bytes: int
    msgs: int
    bytes: int
    gaps: int
    lost: int
    held: int

    @property
    def role_name(self) -> str:
        return _ROLE_NAMES.get(self.role, str(self.role))


@dataclasses.dataclass(frozen=True)
class ChanStat:
    """What arena_chan_stat(3) reports of a channel, and its peers."""
    capacity: int
    slots: int
    max_msg: int
    producers: int
    receivers: int
    groups: int
    live_producers: int
    live_subscribers: int
    live_members: int
    live_groups: int
    seq: int
    lag: int
    lag_bytes: int
    msgs: int
    bytes: int
    gaps: int
    create_time: int
    peers: tuple = ()


def chan_stat(arena: Arena, key: str) -> ChanStat:
    h = arena._live()
    k = _key(key)
    st = _lib.ChanStatC()
    n = c_size_t(0)
    if lib.arena_chan_stat(h, k, byref(st), None, byref(n)) != 0:
        raise _err("arena_chan_stat", key)
    while True:
        cap = n.value + 8
        arr = (_lib.ChanPeerC * cap)()
        n.value = cap
        if lib.arena_chan_stat(h, k, byref(st), arr, byref(n)) != 0:
            raise _err("arena_chan_stat", key)
        if n.value <= cap:
            break
    peers = []
    for p in arr[:n.value]:
        d = {f.name: getattr(p, f.name) for f in dataclasses.fields(ChanPeer)}
        d["alive"] = bool(d["alive"])
        d["group"] = d["group"].decode(errors="replace")
        peers.append(ChanPeer(**d))
    fields = {f.name: getattr(st, f.name)
              for f in dataclasses.fields(ChanStat) if f.name != "peers"}
    return ChanStat(**fields, peers=tuple(peers))


def _close(state, c: int) -> None:
    if state.chans.pop(c, 0) is None:
        lib.arena_chan_close(c)


class Channel:
    """One handle on a channel: a producer, a subscriber or a member of a
    group.  Open one with Channel.open(arena, key, role) (or
    arena.producer(key), arena.subscriber(key), arena.member(key, group));
    close() it, or use a with statement.  A handle is for one thread at a
    time.

    Producer: claim(n) returns a writable memoryview of N bytes in the
    channel; fill it in place, then commit() (or abort()).  send(data)
    copies DATA in one call.

    Receiver: recv() returns a read-only memoryview of the next message's
    bytes in the arena, no copy; it is valid until the next recv(),
    recvv(), release() or close(), which release it (using it then raises
    ValueError; views derived from it, such as a numpy array, are not
    released: they see the bytes a later message writes there).
    recv_bytes() returns a copy.

    Timeouts are in seconds: None waits for ever, 0 does not wait
    (BlockingIOError); TimeoutError when one ends.
    """

    def __init__(self, arena: Arena, handle: int, key: str, role: int):
        self._arena = arena
        self._c = handle
        self.key = key
        self.role = role
        state = arena._state
        state.chans[handle] = None
        state.chan_objs.add(self)
        self._fin = weakref.finalize(self, _close, state, handle)
        self._fin.atexit = False
        self._msg = _lib.MsgC()
        self._msgs = (_lib.MsgC * 0)()
        self._held: list[memoryview] = []
        self._claimed: list[memoryview] = []

    @staticmethod
    def create(arena: Arena, key: str, capacity: int = 0, *, slots: int = 0,
               producers: int = 0, receivers: int = 0,
               groups: int = 0) -> None:
        """Create channel KEY in ARENA's permanent part; see
        Arena.chan_create()."""
        arena.chan_create(key, capacity, slots=slots, producers=producers,
                          receivers=receivers, groups=groups)

    @classmethod
    def open(cls, arena: Arena, key: str,
             role: Union[str, int] = "subscriber",
             group: Optional[str] = None) -> "Channel":
        """Join channel KEY of ARENA as ROLE: "producer", "subscriber"
        (from the current end on) or "member" of GROUP (arena_chan_open(3))."""
        r = _ROLES.get(role, role) if isinstance(role, str) else role
        if r not in (PRODUCER, SUBSCRIBER, MEMBER):
            raise ValueError(f"unknown channel role {role!r}")
        g = _key(group) if group is not None else None
        c = lib.arena_chan_open(arena._live(), _key(key), r, g)
        if not c:
            raise _err("arena_chan_open", key)
        return cls(arena, c, key, r)

    def _live(self) -> int:
        c = self._c
        if c is None or c not in self._arena._state.chans:
            raise ValueError("operation on a closed Channel (or one whose "
                             "Arena is closed)")
        return c

    def _drop_views(self, views: list) -> None:
        for mv in views:
            if mv is _EMPTY:
                continue
            try:
                mv.release()
            except BufferError:
                pass              # exported further: it stays mapped
        views.clear()

    def close(self) -> None:
        """Leave the channel (arena_chan_close(3)): an open claim is
        aborted, held messages are released."""
        if self._c is None:
            return
        self._drop_views(self._held)
        self._drop_views(self._claimed)
        c, self._c = self._c, None
        self._fin.detach()
        if self._arena._state.chans.pop(c, 0) is None:
            if lib.arena_chan_close(c) != 0:
                raise _err("arena_chan_close", self.key)

    def __enter__(self) -> "Channel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._c is None else "open"
        return (f"<libarena.Channel {self.key!r} "
                f"{_ROLE_NAMES.get(self.role)} {state}>")

    @property
    def arena(self) -> Arena:
        return self._arena

    @property
    def closed(self) -> bool:
        return self._c is None

    # --- producing

    def claim(self, n: int, timeout: Optional[float] = None) -> memoryview:
        """Claim room for one message of N bytes (0 to capacity / 4) and
        return it as a writable memoryview (arena_chan_claim(3)); write the
        message into it, then commit().  EMSGSIZE when N is too large,
        EBUSY when a claim is open already."""
        c = self._live()

        def call(ts):
            p = lib.arena_chan_claim(c, n, byref(ts))
            if not p:
                raise _err("arena_chan_claim", self.key)
            return p
        p = blocking(call, timeout)
        mv = self._arena._view(p, n, True) if n else memoryview(bytearray())
        self._claimed.append(mv)
        return mv

    def claimv(self, sizes: Sequence[int],
               timeout: Optional[float] = None) -> list[memoryview]:
        """Claim up to len(SIZES) messages (at most 256) in one atomic step
        (arena_chan_claimv(3)); their writable views, at least one."""
        c = self._live()
        k = len(sizes)
        lens = (c_size_t * k)(*sizes)
        ptrs = (c_void_p * k)()

        def call(ts):
            got = lib.arena_chan_claimv(c, k, lens, ptrs, byref(ts))
            if got < 0:
                raise _err("arena_chan_claimv", self.key)
            return got
        got = blocking(call, timeout)
        views = [self._arena._view(ptrs[i], sizes[i], True) if sizes[i]
                 else memoryview(bytearray()) for i in range(got)]
        self._claimed.extend(views)
        return views

    def commit(self) -> None:
        """Publish the claimed messages (arena_chan_commit(3)); their views
        are released."""
        self._drop_views(self._claimed)
        if lib.arena_chan_commit(self._live()) != 0:
            raise _err("arena_chan_commit", self.key)

    def abort(self) -> None:
        """Withdraw the claimed messages (receivers skip them)."""
        self._drop_views(self._claimed)
        if lib.arena_chan_abort(self._live()) != 0:
            raise _err("arena_chan_abort", self.key)

    def send(self, data: Buffer, timeout: Optional[float] = None) -> None:
        """Claim, copy DATA (any contiguous buffer), commit
        (arena_chan_send(3))."""
        c = self._live()
        if type(data) is not bytes:
            src = memoryview(data)
            if src.format != "B" or src.ndim != 1:
                src = src.cast("B")
            mv = self.claim(src.nbytes, timeout)
            mv[:] = src
            self.commit()
            return
        n = len(data)

        def call(ts):
            if lib.arena_chan_send(c, data, n, byref(ts)) != 0:
                raise _err("arena_chan_send", self.key)
        blocking(call, timeout)

    # --- receiving

    def recv_msg(self, timeout: Optional[float] = None) -> Message:
        """The next message with its sequence number and producer
        (arena_chan_recv(3)); its data valid until the next receive."""
        c = self._live()
        if self._held:
            self._drop_views(self._held)
        m = self._msg

        def call(ts):
            if lib.arena_chan_recv(c, byref(m), byref(ts)) != 0:
                raise _err("arena_chan_recv", self.key)
        blocking(call, timeout)
        mv = self._arena._view(m.data, m.len, False) if m.len else _EMPTY
        self._held.append(mv)
        return Message(mv, m.seq, m.producer)

    def recv(self, timeout: Optional[float] = None) -> memoryview:
        """The next message's bytes as a read-only memoryview into the
        arena, no copy, valid until the next receive, release() or
        close()."""
        return self.recv_msg(timeout).data

    def recv_bytes(self, timeout: Optional[float] = None) -> bytes:
        """A copy of the next message; released at once."""
        mv = self.recv_msg(timeout).data
        b = bytes(mv)
        self.release()
        return b

    def recvv(self, n: int = 32,
              timeout: Optional[float] = None) -> list[memoryview]:
        """Up to N consecutive messages at once (at least one), as
        recv() gives them (arena_chan_recvv(3))."""
        return [m.data for m in self.recvv_msg(n, timeout)]

    def recvv_msg(self, n: int = 32,
                  timeout: Optional[float] = None) -> list[Message]:
        """As recvv(), with each message's sequence number and producer."""
        c = self._live()
        if self._held:
            self._drop_views(self._held)
        if len(self._msgs) < n:
            self._msgs = (_lib.MsgC * n)()
        arr = self._msgs

        def call(ts):
            got = lib.arena_chan_recvv(c, arr, n, byref(ts))
            if got < 0:
                raise _err("arena_chan_recvv", self.key)
            return got
        got = blocking(call, timeout)
        out = []
        view = self._arena._view
        for i in range(got):
            m = arr[i]
            mv = view(m.data, m.len, False) if m.len else _EMPTY
            out.append(Message(mv, m.seq, m.producer))
        self._held.extend(x.data for x in out)
        return out

    def release(self) -> None:
        """Release the messages the last receive returned, and their
        views (arena_chan_release(3))."""
        self._drop_views(self._held)
        if lib.arena_chan_release(self._live()) != 0:
            raise _err("arena_chan_release", self.key)

    def stat(self) -> ChanStat:
        """The channel's statistics and peers."""
        return chan_stat(self._arena, self.key)


del ctypes, make_error
