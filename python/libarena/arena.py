"""Arena: one attachment of a libarena segment."""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import sys
import threading
import time
import weakref
from ctypes import byref, c_size_t, c_uint64, c_void_p
from typing import Callable, Iterator, Optional, Union

from . import _lib
from ._lib import lib
from .errors import ArenaError, make_error

Ref = int                   # a reference: (generation << 40) | offset
Buffer = Union[bytes, bytearray, memoryview]

NULL = 0
OFFSET_BITS = 40
OFFSET_MASK = (1 << OFFSET_BITS) - 1
GEN_MASK = (1 << 24) - 1
MAX_ALIGN = 4096
KEY_MAX = _lib.KEY_MAX
NAME_MAX = 255
DIR_NONE = 0xFFFFFFFF

CREATE_SPARSE = 1 << 0
CREATE_PREFAULT = 1 << 1
RDONLY = 1 << 0
ANY_OWNER = 1 << 1
NOWAIT = 1 << 2
PREFAULT = 1 << 3
RESET_FORCE = 1 << 0
RESET_TRIM = 1 << 1
CHECK_WARN = 0
CHECK_ERROR = 1

# Blocking calls wait at most this long in C at a time, so that signals
# (KeyboardInterrupt) are seen while they wait for ever or for long.
_SLICE = 0.2


def ref_offset(ref: Ref) -> int:
    """The offset part of a reference."""
    return ref & OFFSET_MASK


def ref_generation(ref: Ref) -> int:
    """The generation part of a reference (a permanent one's: the tag)."""
    return (ref >> OFFSET_BITS) & GEN_MASK


def _err(what: str, subject: object = None) -> ArenaError:
    return make_error(ctypes.get_errno(), what, subject)


def _key(key: Union[str, bytes]) -> bytes:
    b = key.encode() if isinstance(key, str) else bytes(key)
    if b"\0" in b:
        raise ValueError("a key cannot hold a NUL byte")
    return b


def _timespec(seconds: float) -> _lib.Timespec:
    if seconds < 0:
        seconds = 0
    s = int(seconds)
    return _lib.Timespec(s, int((seconds - s) * 1e9))


def blocking(call: Callable[[Optional[_lib.Timespec]], object],
             timeout: Optional[float]) -> object:
    """Run CALL(timespec) until it returns, waiting at most TIMEOUT seconds
    in all (None: for ever), in slices so that signals get through.  CALL
    raises TimeoutError (ETIMEDOUT) when its slice ends."""
    if timeout is not None and timeout <= _SLICE:
        return call(_timespec(timeout))
    deadline = None if timeout is None else time.monotonic() + timeout
    slice_ts = _timespec(_SLICE)
    while True:
        if deadline is None:
            ts = slice_ts
        else:
            left = deadline - time.monotonic()
            ts = slice_ts if left > _SLICE else _timespec(left)
        try:
            return call(ts)
        except TimeoutError:
            if deadline is not None and time.monotonic() >= deadline:
                raise


@dataclasses.dataclass(frozen=True)
class Stat:
    """What arena_stat(3) reports."""
    capacity: int
    used: int
    available: int
    generation: int
    high_water: int
    failed_allocs: int
    resets: int
    segment_size: int
    header_size: int
    create_time: int
    creator_uid: int
    format_version: int
    flags: int
    attached: int
    proc_slots: int
    dir_slots: int
    dir_entries: int
    rdonly: bool
    sect_slots: int
    sect_claimed: int
    sections: int
    reset_pending: bool
    perm_size: int
    perm_used: int
    perm_dir_slots: int
    perm_dir_entries: int


@dataclasses.dataclass(frozen=True)
class Proc:
    """One slot of the process table (arena_procs(3))."""
    pid: int
    start_time: int
    alive: bool
    slot: int
    sections: int
    resetting: bool


@dataclasses.dataclass(frozen=True)
class DirEntry:
    """One directory binding (arena_dir_list(3)); permanent ones first."""
    key: str
    ref: Ref
    slot: int


@dataclasses.dataclass(frozen=True)
class Finding:
    """One finding of arena_check(3)."""
    severity: int            # CHECK_WARN or CHECK_ERROR
    message: str

    @property
    def error(self) -> bool:
        return self.severity == CHECK_ERROR


def _fields(cls, c) -> dict:
    out = {}
    for f in dataclasses.fields(cls):
        v = getattr(c, f.name)
        out[f.name] = bool(v) if f.type in ("bool", bool) else v
    return out


class _State:
    """What the finalizer of an Arena needs: its handle and the handles of
    the channels opened through it (closed first)."""
    __slots__ = ("handle", "chans", "chan_objs", "pid", "locals", "tls")

    def __init__(self, handle: int):
        self.handle = handle
        self.locals: list = []           # caches: alive until the detach
        self.tls = threading.local()
        self.chans: dict[int, None] = {}
        self.chan_objs: weakref.WeakSet = weakref.WeakSet()
        self.pid = os.getpid()

    def detach(self) -> int:
        for c in list(self.chans):
            lib.arena_chan_close(c)
        self.chans.clear()
        h, self.handle = self.handle, None
        return lib.arena_detach(h) if h else 0


def _finalize(state: _State) -> None:
    with contextlib.suppress(Exception):
        state.detach()


class Arena:
    """One attachment of a segment.  Make one with Arena.create(),
    Arena.attach(), Arena.create_memfd() or Arena.attach_fd(); end it with
    close() or a with statement.

    References are ints.  Reading a reference of unknown origin is checked:
    get_bytes(), get_str() and view() raise an ArenaError (ESTALE, EFAULT,
    EINVAL...) for a stale, foreign or hostile reference, and never read
    outside the mapping.

    Views (memoryview objects into the segment, from view(), and from
    channels) are zero-copy and stay valid while they exist: close() raises
    BufferError while any remains (release() them, or drop them), and the
    handle is not detached by the garbage collector before they are gone.
    A view of a read-only handle is read-only.

    Thread safety: as the C library's (one Arena may be used by several
    threads).  After fork(), the child's inherited Arena is read-only: a
    child that writes attaches on its own.  Pickling an Arena (to hand it
    to a multiprocessing worker) attaches the same name in the receiver.
    """

    def __init__(self, handle: int, name: Optional[str], readonly: bool):
        # Use the class methods; this takes over a handle from the C library.
        self._h = handle
        self._name = name
        self._readonly = readonly
        self._state = _State(handle)
        self._fin = weakref.finalize(self, _finalize, self._state)
        # At interpreter exit the kernel detaches for us (the process
        # table entry dies with the process); detaching then could pull
        # the mapping from under views still referenced.
        self._fin.atexit = False
        addr, size = c_void_p(), c_size_t()
        if lib.arena_mapping(handle, byref(addr), byref(size)) != 0:
            raise _err("arena_mapping")
        self._base = addr.value
        self._size = size.value
        # The whole mapping as one ctypes object: every view is a slice of
        # a memoryview of it, so each live view holds a reference to it
        # (counted by close()), and through it to this Arena.
        self._buf = (ctypes.c_ubyte * self._size).from_address(self._base)
        self._buf._arena = self
        self._views0 = sys.getrefcount(self._buf)

    # --- making and ending handles

    @classmethod
    def create(cls, name: str, capacity: int, *, mode: int = 0o600,
               perm_size: int = 0, proc_slots: int = 0, dir_slots: int = 0,
               sect_slots: int = 0, perm_dir_slots: int = 0,
               sparse: bool = False, prefault: bool = False) -> "Arena":
        """Create segment NAME holding CAPACITY bytes of allocations and
        attach it read-write (arena_create(3)).  PERM_SIZE: bytes of the
        permanent part, which no reset frees and which channels need.  A
        zero option takes the library's default; DIR_NONE for dir_slots or
        perm_dir_slots means no directory.  Raises FileExistsError (an
        ArenaError) if NAME exists."""
        o = cls._options(mode, perm_size, proc_slots, dir_slots, sect_slots,
                         perm_dir_slots, sparse, prefault)
        h = lib.arena_create(name.encode(), capacity, byref(o))
        if not h:
            raise _err("arena_create", name)
        return cls._wrap(h)

    @classmethod
    def create_memfd(cls, capacity: int, label: Optional[str] = None,
                     **options) -> "Arena":
        """Create an anonymous arena on a sealed memfd
        (arena_create_memfd(3)); options as create().  Share it by passing
        fileno() to another process (socket.send_fds()), which calls
        Arena.attach_fd()."""
        o = cls._options(**options)
        h = lib.arena_create_memfd(label.encode() if label else None,
                                   capacity, byref(o))
        if not h:
            raise _err("arena_create_memfd", label)
        return cls._wrap(h)

    @classmethod
    def attach(cls, name: str, readonly: bool = False, *,
               any_owner: bool = False, nowait: bool = False,
               prefault: bool = False) -> "Arena":
        """Attach the existing segment NAME (arena_attach(3)).  A read-only
        handle cannot allocate, publish or reset (EROFS) and gives
        read-only views.  Raises FileNotFoundError (an ArenaError) if there
        is no such segment."""
        flags = ((RDONLY if readonly else 0) | (ANY_OWNER if any_owner else 0)
                 | (NOWAIT if nowait else 0) | (PREFAULT if prefault else 0))
        h = lib.arena_attach(name.encode(), flags)
        if not h:
            raise _err("arena_attach", name)
        return cls._wrap(h, readonly)

    @classmethod
    def attach_fd(cls, fd: int, readonly: bool = False, *,
                  prefault: bool = False) -> "Arena":
        """Attach the memfd arena open as FD (arena_attach_fd(3)); FD stays
        the caller's."""
        flags = (RDONLY if readonly else 0) | (PREFAULT if prefault else 0)
        h = lib.arena_attach_fd(fd, flags)
        if not h:
            raise _err("arena_attach_fd", fd)
        return cls._wrap(h, readonly)

    @staticmethod
    def _options(mode: int = 0o600, perm_size: int = 0, proc_slots: int = 0,
                 dir_slots: int = 0, sect_slots: int = 0,
                 perm_dir_slots: int = 0, sparse: bool = False,
                 prefault: bool = False) -> _lib.Options:
        flags = ((CREATE_SPARSE if sparse else 0)
                 | (CREATE_PREFAULT if prefault else 0))
        return _lib.Options(flags, mode, proc_slots, dir_slots, sect_slots,
                            perm_size, perm_dir_slots)

    @classmethod
    def _wrap(cls, h: int, readonly: bool = False) -> "Arena":
        try:
            raw = lib.arena_name(h)
            return cls(h, raw.decode() if raw else None, readonly)
        except BaseException:
            lib.arena_detach(h)
            raise

    @staticmethod
    def unlink(name: str) -> None:
        """Remove segment NAME (arena_unlink(3)); attached processes keep
        their mappings."""
        if lib.arena_unlink(name.encode()) != 0:
            raise _err("arena_unlink", name)

    def close(self) -> None:
        """Detach (arena_detach(3)), closing the channels opened through
        this handle first.  Raises BufferError, and detaches nothing, while
        views into the segment exist.  A second close() does nothing."""
        if self._h is None:
            return
        for ch in list(self._state.chan_objs):
            ch._drop_views(ch._held)
            ch._drop_views(ch._claimed)
        views = self.views_alive()
        if views:
            raise BufferError(f"{views} view(s) into the arena still "
                              f"exist: release() or drop them before "
                              f"closing")
        self._h = None
        self._fin.detach()
        if self._state.detach() != 0:
            raise _err("arena_detach", self._name)

    def views_alive(self) -> int:
        """How many views into the segment (and objects derived from them
        by slicing) are alive: close() refuses while this is not 0."""
        return sys.getrefcount(self._buf) - self._views0

    def __enter__(self) -> "Arena":
        return self

    def __exit__(self, et, ev, tb) -> None:
        if et is not None and self.views_alive():
            # Do not hide the exception in flight: detach once the views
            # are gone (the garbage collector's finalizer does it).
            self._h = None
            return
        self.close()

    def __reduce__(self):
        if self._name is None or self._name.startswith("memfd:"):
            raise TypeError("an anonymous arena cannot be pickled: pass "
                            "its fileno() over a UNIX socket instead")
        return (Arena.attach, (self._name, self._readonly))

    def __repr__(self) -> str:
        state = "closed" if self._h is None else (
            "read-only" if self._readonly else "read-write")
        return f"<libarena.Arena {self._name!r} {state}>"

    @property
    def name(self) -> Optional[str]:
        """The segment's name with its leading '/'; "memfd:LABEL" for an
        anonymous arena."""
        return self._name

    @property
    def readonly(self) -> bool:
        return self._readonly

    @property
    def closed(self) -> bool:
        return self._h is None

    @property
    def handle(self) -> int:
        """The arena_t pointer, for calling the C library directly."""
        return self._live()

    def _live(self) -> int:
        h = self._h
        if h is None:
            raise ValueError("operation on a closed Arena")
        return h

    def fileno(self) -> int:
        """The descriptor of a memfd arena (owned by the handle)."""
        fd = lib.arena_fd(self._live())
        if fd < 0:
            raise _err("arena_fd", self._name)
        return fd

    def mapping(self) -> tuple[int, int]:
        """The address at which the segment is mapped here, and its size."""
        self._live()
        return self._base, self._size

    def prefault(self) -> None:
        """Fault every page of the segment in now (arena_prefault(3))."""
        if lib.arena_prefault(self._live()) != 0:
            raise _err("arena_prefault", self._name)

    # --- views

    def _view(self, addr: int, n: int, writable: bool) -> memoryview:
        off = addr - self._base
        if off < 0 or n < 0 or off + n > self._size:
            # The C library never gives such an address; a damaged
            # channel might.  Refuse rather than map outside.
            raise make_error(14, "view", hex(addr))   # EFAULT
        mv = memoryview(self._buf).cast("B")[off:off + n]
        return mv if writable and not self._readonly else mv.toreadonly()

    # --- allocating and storing

    def alloc(self, size: int, align: int = 8, *, zero: bool = False) -> Ref:
        """SIZE bytes aligned to ALIGN (a power of two, at most 4096) from
        the bump region (arena_alloc(3)); zeroed with ZERO (a fresh arena
        is zero, a reset one is not).  Raises an ArenaError: ENOMEM when
        the arena is full, EROFS on a read-only handle."""
        h = self._live()
        r = (lib.arena_calloc(h, 1, size, align) if zero
             else lib.arena_alloc_fn(h, size, align))
        if not r:
            raise _err("arena_alloc")
        return r

    def perm_alloc(self, size: int, align: int = 8) -> Ref:
        """SIZE bytes from the permanent part, which no reset frees
        (arena_perm_alloc(3)); its reference never goes stale."""
        r = lib.arena_perm_alloc(self._live(), size, align)
        if not r:
            raise _err("arena_perm_alloc")
        return r

    def put_bytes(self, data: Buffer, align: int = 8, *,
                  perm: bool = False) -> Ref:
        """A copy of DATA (any contiguous buffer) in the arena, or in its
        permanent part with PERM; its reference.  The arena records no
        length: keep it with the reference (or use put_str())."""
        h = self._live()
        if type(data) is bytes and not perm:
            r = lib.arena_memdup(h, data, len(data), align)
            if not r:
                raise _err("arena_memdup")
            return r
        if type(data) is bytes:
            n = len(data)
            r = self.perm_alloc(n, align)
            ctypes.memmove(lib.arena_ptr_fn(h, r), data, n)
            return r
        src = memoryview(data)
        if src.format != "B" or src.ndim != 1:
            src = src.cast("B")      # ValueError if not contiguous
        n = src.nbytes
        r = self.perm_alloc(n, align) if perm else self.alloc(n, align)
        off = ref_offset(r)
        with memoryview(self._buf).cast("B")[off:off + n] as dst:
            dst[:] = src
        return r

    def put_str(self, s: str, *, perm: bool = False) -> Ref:
        """A NUL-terminated UTF-8 copy of S (which may hold no NUL); its
        reference."""
        b = s.encode()
        if b"\0" in b:
            raise ValueError("put_str: the string holds a NUL character")
        h = self._live()
        r = lib.arena_perm_strdup(h, b) if perm else lib.arena_strdup(h, b)
        if not r:
            raise _err("arena_perm_strdup" if perm else "arena_strdup")
        return r

    # --- reading

    def get_bytes(self, ref: Ref, n: int) -> bytes:
        """A copy of the N bytes at REF, checked (arena_get(3)): an
        ArenaError (StaleReferenceError, EFAULT, EINVAL...) for a stale,
        foreign or out-of-range reference."""
        p = lib.arena_get(self._live(), ref, n)
        if not p:
            raise _err("arena_get", hex(ref))
        return ctypes.string_at(p, n)

    def get_str(self, ref: Ref, max: Optional[int] = None, *,
                encoding: str = "utf-8", errors: str = "strict") -> str:
        """The NUL-terminated string at REF, checked (arena_get_strn(3)),
        decoded.  With MAX, at most MAX bytes are read and a longer string
        is cut there; without, the NUL must lie in the segment (EFAULT
        otherwise, as arena_get_str(3)).  Never reads outside the mapping,
        whatever a peer writes meanwhile."""
        h = self._live()
        if max is None:
            # One more than the bytes left: no NUL before the end of the
            # segment then fails with EFAULT instead of cutting.
            max = self._size - ref_offset(ref) + 1
            if max <= 1:
                max = 1          # out of the segment: let the library say so
        n = c_size_t()
        p = lib.arena_get_strn(h, ref, max, byref(n))
        if not p:
            raise _err("arena_get_strn", hex(ref))
        return ctypes.string_at(p, n.value).decode(encoding, errors)

    def view(self, ref: Ref, n: int) -> memoryview:
        """A memoryview of the N bytes at REF, checked as get_bytes(), with
        no copy: writable on a read-write handle, read-only otherwise.
        numpy.frombuffer() takes it without copying.  It stays valid as
        long as it exists (close() waits for it), but a reset makes the
        memory the next generation's."""
        p = lib.arena_get(self._live(), ref, n)
        if not p:
            raise _err("arena_get", hex(ref))
        return self._view(p, n, True)

    def ref(self, view: memoryview) -> Ref:
        """The reference of the first byte of a writable VIEW into this
        arena (arena_ref(3))."""
        addr = ctypes.addressof(ctypes.c_char.from_buffer(view))
        r = lib.arena_ref(self._live(), addr)
        if not r:
            raise _err("arena_ref")
        return r

    # --- the directory

    def publish(self, key: str, ref: Ref) -> None:
        """Bind KEY (1 to 31 bytes) to REF (arena_publish(3)); what was
        written before is visible to whoever looks the key up."""
        k = _key(key)
        if lib.arena_publish(self._live(), k, ref) != 0:
            raise _err("arena_publish", key)

    def lookup(self, key: str) -> Ref:
        """The reference bound to KEY, checked as view() would for one
        byte (arena_lookup(3)).  FileNotFoundError (an ArenaError) when
        the key is not bound."""
        r = lib.arena_lookup(self._live(), _key(key))
        if not r:
            raise _err("arena_lookup", key)
        return r

    def dir(self) -> list[DirEntry]:
        """Every binding: the permanent directory's, then the current
        generation's (arena_dir_list(3))."""
        h = self._live()
        n = 64
        while True:
            arr = (_lib.DirentC * n)()
            got = lib.arena_dir_list(h, arr, n)
            if got < 0:
                raise _err("arena_dir_list")
            if got <= n:
                return [DirEntry(e.key.decode(errors="replace"), e.ref,
                                 e.slot) for e in arr[:got]]
            n = got + 16

    # --- resets

    def reset(self, *, force: bool = False, trim: bool = False) -> None:
        """Free everything at once and start the next generation
        (arena_reset(3)).  Refused (EBUSY) with live read-write peers or
        open sections, unless FORCE; TRIM gives the pages back."""
        flags = (RESET_FORCE if force else 0) | (RESET_TRIM if trim else 0)
        if lib.arena_reset(self._live(), flags) != 0:
            raise _err("arena_reset", self._name)

    def reset_wait(self, timeout: Optional[float] = None, *,
                   trim: bool = False) -> None:
        """Reset once no read-side section is open, whatever peers are
        attached (arena_reset_wait(3)); TimeoutError after TIMEOUT seconds
        (None: wait for ever), nothing changed."""
        h = self._live()
        flags = RESET_TRIM if trim else 0

        def call(ts):
            if lib.arena_reset_wait(h, flags, byref(ts)) != 0:
                raise _err("arena_reset_wait", self._name)
        blocking(call, timeout)

    def reset_prepare(self, timeout: Optional[float] = None) -> None:
        """First step of a two-step waiting reset (arena_reset_prepare(3)):
        wait until no section is open and hold new ones off, until
        reset_commit() or reset_cancel()."""
        h = self._live()

        def call(ts):
            if lib.arena_reset_prepare(h, byref(ts)) != 0:
                raise _err("arena_reset_prepare", self._name)
        blocking(call, timeout)

    def reset_commit(self, *, trim: bool = False) -> None:
        """Second step: start the next generation (arena_reset_commit(3))."""
        if lib.arena_reset_commit(self._live(),
                                  RESET_TRIM if trim else 0) != 0:
            raise _err("arena_reset_commit", self._name)

    def reset_cancel(self) -> None:
        """Give the prepared reset up; nothing changes."""
        if lib.arena_reset_cancel(self._live()) != 0:
            raise _err("arena_reset_cancel", self._name)

    @contextlib.contextmanager
    def prepared_reset(self, timeout: Optional[float] = None, *,
                       trim: bool = False) -> Iterator["Arena"]:
        """reset_prepare(), then reset_commit() when the block ends, or
        reset_cancel() if it raises."""
        self.reset_prepare(timeout)
        try:
            yield self
        except BaseException:
            self.reset_cancel()
            raise
        self.reset_commit(trim=trim)

    def wait_generation(self, generation: int,
                        timeout: Optional[float] = None) -> None:
        """Return once the generation is no longer GENERATION (a reset came),
        at once if it already is another (arena_wait_generation(3));
        TimeoutError after TIMEOUT seconds."""
        h = self._live()

        def call(ts):
            if lib.arena_wait_generation(h, generation, byref(ts)) != 0:
                raise _err("arena_wait_generation", self._name)
        blocking(call, timeout)

    @contextlib.contextmanager
    def section(self) -> Iterator["Arena"]:
        """A read-side section (arena_section_enter(3)) for the calling
        thread: until the block ends, no reset that respects sections
        (reset() without force, reset_wait(), a prepared reset) completes,
        so what the block reads stays allocated and unchanged by the
        arena.  Sections nest.  Needs a read-write handle; each thread
        gets a cache of its own (struct arena_local), kept until close().
        Do not call reset_wait() inside one (EDEADLK)."""
        h = self._live()
        st = self._state
        loc = getattr(st.tls, "local", None)
        if loc is None:
            loc = _lib.LocalC()
            if lib.arena_local_init(byref(loc), h, 0) != 0:
                raise _err("arena_local_init", self._name)
            st.locals.append(loc)
            st.tls.local = loc
        if lib.arena_section_enter_fn(byref(loc)) != 0:
            raise _err("arena_section_enter", self._name)
        try:
            yield self
        finally:
            if lib.arena_section_leave_fn(byref(loc)) != 0:
                raise _err("arena_section_leave", self._name)

    @property
    def generation(self) -> int:
        """The current generation."""
        return self.stat().generation

    # --- inspection

    def stat(self) -> Stat:
        """Statistics (arena_stat(3))."""
        st = _lib.StatC()
        if lib.arena_stat(self._live(), byref(st)) != 0:
            raise _err("arena_stat", self._name)
        return Stat(**_fields(Stat, st))

    def procs(self) -> list[Proc]:
        """The occupied slots of the process table (arena_procs(3))."""
        h = self._live()
        n = 16
        while True:
            arr = (_lib.ProcC * n)()
            got = lib.arena_procs(h, arr, n)
            if got < 0:
                raise _err("arena_procs", self._name)
            if got <= n:
                return [Proc(**_fields(Proc, p)) for p in arr[:got]]
            n = got + 16

    def procs_wait(self, token: int = 0,
                   timeout: Optional[float] = None) -> int:
        """Wait until the set of live handles differs from the one TOKEN
        describes (0 matches none), and return the new token
        (arena_procs_wait(3))."""
        h = self._live()
        t = c_uint64(token)

        def call(ts):
            if lib.arena_procs_wait(h, byref(t), byref(ts)) != 0:
                raise _err("arena_procs_wait", self._name)
        blocking(call, timeout)
        return t.value

    def check(self) -> list[Finding]:
        """Verify the segment's invariants (arena_check(3)); the findings,
        ERROR ones meaning the segment is not sound."""
        found: list[Finding] = []

        def cb(_ctx, severity, msg):
            found.append(Finding(severity, msg.decode(errors="replace")))
        fn = _lib.CHECK_FN(cb)
        if lib.arena_check(self._live(), fn, None) < 0:
            raise _err("arena_check", self._name)
        return found

    # --- channels (see Channel)

    def chan_create(self, key: str, capacity: int = 0, *, slots: int = 0,
                    producers: int = 0, receivers: int = 0,
                    groups: int = 0) -> None:
        """Create channel KEY in the permanent part (arena_chan_create(3)).
        CAPACITY: data bytes, a power of two (default 1 MiB); messages are
        up to CAPACITY / 4 bytes."""
        cfg = _lib.ChanConfigC(capacity, slots, producers, receivers, groups)
        if lib.arena_chan_create(self._live(), _key(key), byref(cfg)) != 0:
            raise _err("arena_chan_create", key)

    def channel(self, key: str, role: Union[str, int] = "subscriber",
                group: Optional[str] = None) -> "Channel":
        """Join channel KEY as ROLE: "producer", "subscriber" or "member"
        (of GROUP)."""
        from .channel import Channel
        return Channel.open(self, key, role, group)

    def producer(self, key: str) -> "Channel":
        return self.channel(key, "producer")

    def subscriber(self, key: str) -> "Channel":
        return self.channel(key, "subscriber")

    def member(self, key: str, group: str) -> "Channel":
        return self.channel(key, "member", group)

    def chan_stat(self, key: str):
        """Channel KEY's statistics and peers (arena_chan_stat(3))."""
        from .channel import chan_stat
        return chan_stat(self, key)
