"""Tests of the libarena Python package (unittest, standard library only).

Run from the tree: make python-check, or
    PYTHONPATH=python python3 -m unittest discover -s python/tests -v
The cross-language tests need tests/py_helper (make tests/py_helper); they
are skipped without it.  Every segment is named arena-test-py-PID-N and
unlinked by the test that made it.
"""
from __future__ import annotations

import ctypes
import errno
import itertools
import multiprocessing as mp
import os
import pickle
import random
import re
import struct
import subprocess
import sys
import threading
import time
import unittest

import libarena
from libarena import Arena, ArenaError, Channel, StaleReferenceError

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
HELPER = os.path.join(TOP, "tests", "py_helper")
HEADER = os.path.join(TOP, "include", "arena.h")
_seq = itertools.count()

try:
    import numpy
except ImportError:
    numpy = None


def fresh_name() -> str:
    return f"arena-test-py-{os.getpid()}-{next(_seq)}"


class Base(unittest.TestCase):
    def setUp(self):
        self.names = []

    def tearDown(self):
        for n in self.names:
            try:
                Arena.unlink(n)
            except FileNotFoundError:
                pass

    def name(self) -> str:
        n = fresh_name()
        self.names.append(n)
        return n

    def create(self, capacity=1 << 20, **kw) -> Arena:
        a = Arena.create(self.name(), capacity, **kw)
        self.addCleanup(self._close, a)
        return a

    @staticmethod
    def _close(a):
        try:
            a.close()
        except BufferError:
            pass


class TestLibrary(Base):
    def test_version_and_layout(self):
        self.assertEqual(libarena.library_version, libarena.__version__)
        from libarena import _lib
        size, off = ctypes.c_size_t(), ctypes.c_size_t()
        for tag, cls, _ in _lib.STRUCTS:
            self.assertEqual(_lib.lib.arena_layout(tag.encode(),
                             ctypes.byref(size), ctypes.byref(off)), 0)
            self.assertEqual(size.value, ctypes.sizeof(cls))
        self.assertEqual(_lib.lib.arena_layout(b"no_such", None, None), -1)
        self.assertEqual(ctypes.get_errno(), errno.ENOENT)

    def test_layout_mismatch_is_loud(self):
        from libarena import _lib

        class Short(ctypes.Structure):
            _fields_ = [("capacity", ctypes.c_uint64)]
        saved = _lib.STRUCTS
        try:
            _lib.STRUCTS = [("arena_stat", Short, True)]
            with self.assertRaisesRegex(ImportError, "arena_stat"):
                _lib._check(_lib.lib, "test")
        finally:
            _lib.STRUCTS = saved

        class Moved(ctypes.Structure):
            _fields_ = [("key", ctypes.c_char * 32), ("slot", ctypes.c_uint),
                        ("ref", ctypes.c_uint64)]
        try:
            _lib.STRUCTS = [("arena_dirent", Moved, True)]
            with self.assertRaisesRegex(ImportError,
                                        "arena_dirent.slot is 4 bytes at "
                                        "offset 40 there"):
                _lib._check(_lib.lib, "test")
        finally:
            _lib.STRUCTS = saved

    def test_wrong_library_is_loud(self):
        env = dict(os.environ, LIBARENA_LIBRARY="libc.so.6")
        out = subprocess.run([sys.executable, "-c", "import libarena"],
                             env=env, capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("ImportError: libarena: libc.so.6 has no arena_create",
                      out.stderr)
        env["LIBARENA_LIBRARY"] = "/nonexistent/libarena.so.2"
        out = subprocess.run([sys.executable, "-c", "import libarena"],
                             env=env, capture_output=True, text=True)
        self.assertIn("cannot load the C library", out.stderr)

    @unittest.skipUnless(os.path.exists(HEADER), "no include/arena.h")
    def test_constants_match_header(self):
        with open(HEADER) as f:
            text = f.read()
        defs = {k: int(v, 0) for k, v in re.findall(
            r"#define (ARENA_\w+)\s+(0x[0-9a-f]+|\d+)u?\b", text)}
        defs.update({k: 1 << int(v) for k, v in re.findall(
            r"#define (ARENA_\w+)\s+\(1u << (\d+)\)", text)})
        checked = 0
        for cname, value in defs.items():
            pname = cname[len("ARENA_"):]
            if pname.startswith("CHAN_"):
                pname = pname[len("CHAN_"):]
            if hasattr(libarena, pname):
                self.assertEqual(getattr(libarena, pname), value, cname)
                checked += 1
        self.assertGreater(checked, 20)
        self.assertEqual(libarena.KEY_MAX, int(defs["ARENA_KEY_MAX"]))
        self.assertEqual(libarena.RESET_TRIM, 2)


class TestArena(Base):
    def test_create_attach_stat(self):
        a = self.create(1 << 16, perm_size=8192)
        self.assertEqual(a.name, "/" + self.names[-1])
        st = a.stat()
        self.assertIsInstance(st, libarena.Stat)
        self.assertEqual(st.capacity, 1 << 16)
        self.assertEqual(st.perm_size, 8192)
        self.assertEqual(st.attached, 1)
        self.assertFalse(st.rdonly)
        with Arena.attach(self.names[-1]) as b:
            self.assertEqual(a.stat().attached, 2)
            self.assertEqual(b.generation, a.generation)
        self.assertTrue(b.closed)
        with self.assertRaises(ValueError):
            b.stat()
        with Arena.attach(self.names[-1], readonly=True) as r:
            self.assertTrue(r.stat().rdonly)
            self.assertEqual(a.stat().attached, 1)
            with self.assertRaises(ArenaError) as cm:
                r.alloc(8)
            self.assertEqual(cm.exception.errno, errno.EROFS)

    def test_errors_are_oserrors(self):
        a = self.create()
        with self.assertRaises(FileExistsError) as cm:
            Arena.create(a.name, 4096)
        self.assertIsInstance(cm.exception, ArenaError)
        self.assertEqual(cm.exception.errno, errno.EEXIST)
        with self.assertRaises(FileNotFoundError):
            Arena.attach(fresh_name())
        with self.assertRaises(libarena.ArenaFileNotFoundError):
            a.lookup("missing")
        with self.assertRaises(OSError) as cm:
            Arena.create("bad/name", 4096)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        with self.assertRaises(ArenaError) as cm:
            a.alloc(8, align=3)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_alloc_put_get(self):
        a = self.create(1 << 16, perm_size=4096)
        r = a.alloc(100, 64)
        self.assertEqual(libarena.ref_offset(r) % 64, 0)
        self.assertEqual(libarena.ref_generation(r), a.generation)
        z = a.alloc(32, zero=True)
        self.assertEqual(a.get_bytes(z, 32), bytes(32))
        for data in (b"bytes", bytearray(b"bytearray"),
                     memoryview(b"view"), b"\0\xff" * 50):
            r = a.put_bytes(data)
            self.assertEqual(a.get_bytes(r, len(data)), bytes(data))
        import array
        arr = array.array("i", [1, 2, 3])
        r = a.put_bytes(arr)
        self.assertEqual(a.get_bytes(r, 12), arr.tobytes())
        s = "grüße, 世界"
        r = a.put_str(s)
        self.assertEqual(a.get_str(r), s)
        self.assertEqual(a.get_str(a.put_str("abcdef"), max=3), "abc")
        with self.assertRaises(ValueError):
            a.put_str("a\0b")
        p = a.put_str("kept", perm=True)
        pb = a.put_bytes(b"kept too", perm=True)
        a.reset()
        self.assertEqual(a.get_str(p), "kept")
        self.assertEqual(a.get_bytes(pb, 8), b"kept too")
        with self.assertRaises(StaleReferenceError):
            a.get_str(r)
        with self.assertRaises(ArenaError) as cm:
            a.alloc(1 << 17)
        self.assertEqual(cm.exception.errno, errno.ENOMEM)
        self.assertEqual(a.stat().failed_allocs, 1)

    def test_views(self):
        a = self.create()
        r = a.alloc(64)
        v = a.view(r, 64)
        self.assertFalse(v.readonly)
        self.assertEqual((v.format, v.nbytes), ("B", 64))
        v[:5] = b"hello"
        self.assertEqual(a.get_bytes(r, 5), b"hello")
        self.assertEqual(a.ref(v), r)
        self.assertEqual(a.ref(v[8:]), r + 8)
        with Arena.attach(a.name, readonly=True) as ro:
            w = ro.view(r, 64)
            self.assertTrue(w.readonly)
            self.assertEqual(bytes(w[:5]), b"hello")
            with self.assertRaises(TypeError):
                w[0] = 1
            v[0] = ord("j")
            self.assertEqual(bytes(w[:5]), b"jello")   # the same memory
            w.release()
        # close() refuses while views live, then works once they are gone.
        self.assertEqual(a.views_alive(), 1)
        with self.assertRaises(BufferError):
            a.close()
        self.assertFalse(a.closed)
        part = v[2:4]
        v.release()
        self.assertEqual(a.views_alive(), 1)
        del part
        self.assertEqual(a.views_alive(), 0)
        a.close()
        self.assertTrue(a.closed)

    @unittest.skipIf(numpy is None, "numpy not installed")
    def test_numpy_zero_copy(self):
        a = self.create()
        r = a.alloc(8 * 100, 8)
        arr = numpy.frombuffer(a.view(r, 800), dtype=numpy.float64)
        arr[:] = numpy.arange(100)
        self.assertEqual(struct.unpack("<d", a.get_bytes(r + 8 * 7, 8))[0],
                         7.0)
        self.assertEqual(a.views_alive(), 1)
        del arr
        self.assertEqual(a.views_alive(), 0)

    def test_views_keep_the_mapping(self):
        a = self.create()
        r = a.put_bytes(b"still here")
        v = a.view(r, 10)
        del a                         # no detach while the view lives
        import gc
        gc.collect()
        self.assertEqual(bytes(v), b"still here")

    def test_publish_lookup_dir(self):
        a = self.create(perm_size=4096)
        r1 = a.put_str("one")
        r2 = a.put_str("two", perm=True)
        a.publish("k1", r1)
        a.publish("k2", r2)
        self.assertEqual(a.lookup("k1"), r1)
        keys = {e.key: e.ref for e in a.dir()}
        self.assertEqual(keys, {"k1": r1, "k2": r2})
        self.assertEqual(a.dir()[0].key, "k2")     # permanent ones first
        with self.assertRaises(ArenaError) as cm:
            a.publish("k" * 32, r1)
        self.assertEqual(cm.exception.errno, errno.ENAMETOOLONG)
        a.reset()
        self.assertEqual([e.key for e in a.dir()], ["k2"])
        with self.assertRaises(FileNotFoundError):
            a.lookup("k1")

    def test_check_procs(self):
        a = self.create()
        self.assertEqual([f for f in a.check() if f.error], [])
        ps = a.procs()
        self.assertEqual(len(ps), 1)
        self.assertEqual(ps[0].pid, os.getpid())
        self.assertTrue(ps[0].alive)
        tok = a.procs_wait(0, timeout=1)
        with self.assertRaises(TimeoutError):
            a.procs_wait(tok, timeout=0.05)
        with Arena.attach(a.name):
            self.assertNotEqual(a.procs_wait(tok, timeout=1), tok)

    def test_memfd(self):
        a = Arena.create_memfd(1 << 16, "pytest")
        try:
            self.assertEqual(a.name, "memfd:pytest")
            r = a.put_str("anonymous")
            with Arena.attach_fd(a.fileno(), readonly=True) as b:
                self.assertEqual(b.get_str(r), "anonymous")
            with self.assertRaises(TypeError):
                pickle.dumps(a)
        finally:
            a.close()

    def test_pickle_attaches(self):
        a = self.create()
        r = a.put_str("pickled")
        b = pickle.loads(pickle.dumps(a))
        try:
            self.assertIsNot(a, b)
            self.assertEqual(b.get_str(r), "pickled")
            self.assertEqual(a.stat().attached, 2)
        finally:
            b.close()


def _hold(name, ready, done):
    with Arena.attach(name):
        ready.set()
        done.wait(10)


class TestReset(Base):
    def test_reset_modes(self):
        a = self.create()
        g = a.generation
        a.reset()
        self.assertNotEqual(a.generation, g)
        ctx = mp.get_context("fork")
        ready, done = ctx.Event(), ctx.Event()
        p = ctx.Process(target=_hold, args=(a.name, ready, done))
        p.start()
        try:
            self.assertTrue(ready.wait(10))
            with self.assertRaises(ArenaError) as cm:
                a.reset()                       # a live peer
            self.assertEqual(cm.exception.errno, errno.EBUSY)
            a.reset(force=True)
            a.reset(force=True, trim=True)
            a.reset_wait(timeout=1)             # no section open: at once
            a.reset_wait(trim=True)
        finally:
            done.set()
            p.join()
        g = a.generation
        a.reset_prepare(timeout=1)
        with self.assertRaises(ArenaError) as cm:
            a.reset_prepare(timeout=1)
        self.assertEqual(cm.exception.errno, errno.EALREADY)
        a.reset_commit()
        self.assertNotEqual(a.generation, g)
        g = a.generation
        a.reset_prepare(0.5)
        a.reset_cancel()
        self.assertEqual(a.generation, g)
        with self.assertRaises(RuntimeError):
            with a.prepared_reset(1):
                raise RuntimeError("cancelled")
        self.assertEqual(a.generation, g)
        with a.prepared_reset(1, trim=True):
            pass
        self.assertNotEqual(a.generation, g)
        self.assertEqual(a.stat().resets, 7)

    def test_sections_hold_waiting_resets_off(self):
        a = self.create()
        g = a.generation
        entered, leave = threading.Event(), threading.Event()

        def reader():
            with a.section():
                with a.section():                # nested
                    entered.set()
                    leave.wait(10)
        t = threading.Thread(target=reader)
        t.start()
        self.assertTrue(entered.wait(10))
        with self.assertRaises(TimeoutError):
            a.reset_wait(timeout=0.1)
        with self.assertRaises(ArenaError) as cm:
            a.reset()
        self.assertEqual(cm.exception.errno, errno.EBUSY)
        self.assertEqual(a.stat().sections, 1)
        self.assertEqual(a.generation, g)
        threading.Timer(0.2, leave.set).start()
        a.reset_wait(timeout=5)                  # once the section ends
        t.join()
        self.assertNotEqual(a.generation, g)
        with a.section():
            with self.assertRaises(ArenaError) as cm:
                a.reset_wait(timeout=1)
            self.assertEqual(cm.exception.errno, errno.EDEADLK)
        with Arena.attach(a.name, readonly=True) as ro:
            with self.assertRaises(ArenaError) as cm:
                with ro.section():
                    pass
            self.assertEqual(cm.exception.errno, errno.EROFS)

    def test_wait_generation(self):
        a = self.create()
        g = a.generation
        t0 = time.monotonic()
        with self.assertRaises(TimeoutError):
            a.wait_generation(g, timeout=0.1)
        self.assertGreaterEqual(time.monotonic() - t0, 0.09)
        threading.Timer(0.3, a.reset).start()
        a.wait_generation(g, timeout=5)          # longer than a slice
        self.assertNotEqual(a.generation, g)
        a.wait_generation(g)                     # already another: at once


class TestHostile(Base):
    def test_stale_and_foreign(self):
        a = self.create()
        b = self.create()
        r = a.put_bytes(b"x" * 16)
        rb = b.put_bytes(b"y" * 16)
        with self.assertRaises(OSError):           # another arena's
            a.get_bytes(rb, 16)
        a.reset()
        for call in (lambda: a.get_bytes(r, 1), lambda: a.view(r, 1),
                     lambda: a.get_str(r)):
            with self.assertRaises(StaleReferenceError):
                call()

    def test_hostile_references(self):
        a = self.create(1 << 16)
        a.put_bytes(b"z" * 100)
        gen = a.generation
        size = a.mapping()[1]
        rnd = random.Random(1234)
        refs = [rnd.getrandbits(64) for _ in range(3000)]
        refs += [(gen << 40) | off for off in
                 (0, 1, 4095, 4096, size - 1, size, size + 1, 1 << 39,
                  (1 << 40) - 1)]
        refs += [rnd.getrandbits(40) | (gen << 40) for _ in range(3000)]
        lens = [0, 1, 7, 4096, size, 1 << 40, (1 << 64) - 1, -1]
        ok = 0
        for r in refs:
            n = rnd.choice(lens)
            for call in (lambda: a.get_bytes(r, n), lambda: a.view(r, n),
                         lambda: a.get_str(r),
                         lambda: a.get_str(r, max=rnd.choice([1, 64]))):
                try:
                    out = call()
                    ok += 1
                    if isinstance(out, memoryview):
                        out.release()
                except OSError as e:
                    self.assertIn(e.errno, (errno.EINVAL, errno.ESTALE,
                                            errno.EFAULT))
                except (OverflowError, ctypes.ArgumentError):
                    pass                       # not a size_t: refused early
        self.assertGreater(ok, 0)              # the allocated part passes
        self.assertEqual(a.views_alive(), 0)

    def test_string_without_nul(self):
        a = self.create(4096)
        r = a.alloc(4096, 1)                   # the whole region, at its end
        a.view(r, 4096)[:] = b"x" * 4096
        with self.assertRaises(ArenaError) as cm:
            a.get_str(r)
        self.assertEqual(cm.exception.errno, errno.EFAULT)
        self.assertEqual(a.get_str(r, max=10), "x" * 10)
        self.assertEqual(a.get_str(r + 4090, max=6), "x" * 6)

    def test_not_an_arena(self):
        n = self.name()
        with open(f"/dev/shm/{n}", "wb") as f:
            f.write(os.urandom(8192))
        with self.assertRaises(ArenaError) as cm:
            Arena.attach(n)
        self.assertIn(cm.exception.errno, (errno.EMEDIUMTYPE, errno.EBADMSG))

    def test_closed_handles(self):
        a = self.create(perm_size=1 << 16)
        a.chan_create("c", 1 << 12)
        ch = a.subscriber("c")
        r = a.put_str("x")
        a.close()
        for call in (lambda: a.get_str(r), lambda: a.alloc(1),
                     lambda: a.reset(), lambda: ch.recv(timeout=0),
                     lambda: a.stat()):
            with self.assertRaises(ValueError):
                call()
        a.close()
        ch.close()


@unittest.skipUnless(os.access(HELPER, os.X_OK), "no tests/py_helper")
class TestCrossLanguage(Base):
    def helper(self, *args) -> str:
        out = subprocess.run([HELPER, *args], capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_c_publishes_python_reads(self):
        a = self.create()
        self.assertEqual(self.helper("publish", a.name), "ok\n")
        with Arena.attach(a.name, readonly=True) as ro:
            x, y, label = struct.unpack("<ddQ",
                                        ro.get_bytes(ro.lookup("origin"), 24))
            self.assertEqual((x, y), (1.5, -2.0))
            self.assertEqual(ro.get_str(label), "origin, written in C")
            blob = ro.view(ro.lookup("blob"), 1000)
            self.assertEqual(bytes(blob), bytes(i % 251 for i in range(1000)))
            blob.release()

    def test_python_allocates_c_reads(self):
        a = self.create()
        a.publish("greeting", a.put_str("hello from Python"))
        r = a.alloc(4096)
        v = a.view(r, 4096)
        v[:] = bytes(range(256)) * 16
        v.release()
        a.publish("data", r)
        self.assertEqual(self.helper("read", a.name, "greeting"),
                         "hello from Python\n")
        self.assertEqual(self.helper("sum", a.name, "data", "4096"),
                         f"{sum(range(256)) * 16}\n")

    def test_channels_between_c_and_python(self):
        a = self.create(perm_size=1 << 20)
        a.chan_create("c2py", 1 << 16)
        a.chan_create("py2c", 1 << 16)
        with a.subscriber("c2py") as sub:
            self.helper("chan-send", a.name, "c2py", "500")
            for i in range(500):
                self.assertEqual(bytes(sub.recv(timeout=5)),
                                 f"c msg {i}".encode())
        p = subprocess.Popen([HELPER, "chan-recv", a.name, "py2c", "500"],
                             stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(p.stdout.readline(), "ready\n")
            with a.producer("py2c") as prod:
                for i in range(500):
                    prod.send(f"py msg {i}".encode(), timeout=5)
            self.assertEqual(p.stdout.readline(), "got 500\n")
        finally:
            self.assertEqual(p.wait(30), 0)
            p.stdout.close()


def _worker_init(name):
    global _shared
    _shared = Arena.attach(name)


def _worker_task(i):
    r = _shared.put_str(f"task {i} from pid {os.getpid()}")
    _shared.publish(f"k{i}", r)
    return i, r


def _produce(name, n):
    with Arena.attach(name) as a, a.producer("ch") as p:
        for i in range(n):
            v = p.claim(8 + i % 50, timeout=10)
            v[:8] = struct.pack("<Q", i)
            p.commit()


def _member(name, q, ready):
    with Arena.attach(name) as a, a.member("ch", "workers") as m:
        ready.set()
        got = []
        while True:
            mv = m.recv(timeout=10)
            i = struct.unpack("<q", mv[:8])[0]
            if i < 0:
                break
            got.append(i)
        m.release()
    q.put(got)


def _read_pickled(a, key, q):
    q.put(a.get_str(a.lookup(key)))
    a.close()


class TestProcesses(Base):
    def test_pool_workers_share_one_arena(self):
        a = self.create()
        with mp.get_context("fork").Pool(4, _worker_init, (a.name,)) as pool:
            results = pool.map(_worker_task, range(40))
        for i, r in results:
            self.assertEqual(a.lookup(f"k{i}"), r)
            self.assertTrue(a.get_str(r).startswith(f"task {i} from pid "))
        self.assertEqual(len({a.get_str(r).split()[-1] for _, r in results}
                             - {str(os.getpid())}) >= 1, True)

    def test_spawned_worker_gets_a_pickled_arena(self):
        a = self.create()
        a.publish("msg", a.put_str("through pickle"))
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        p = ctx.Process(target=_read_pickled, args=(a, "msg", q))
        p.start()
        self.assertEqual(q.get(timeout=30), "through pickle")
        p.join(30)
        self.assertEqual(p.exitcode, 0)

    def test_channel_between_processes(self):
        a = self.create(perm_size=1 << 20)
        a.chan_create("ch", 1 << 14)
        n = 3000
        with a.subscriber("ch") as sub:
            p = mp.get_context("fork").Process(target=_produce,
                                               args=(a.name, n))
            p.start()
            i = 0
            while i < n:
                for m in sub.recvv_msg(64, timeout=10):
                    self.assertEqual(len(m.data), 8 + i % 50)
                    self.assertEqual(struct.unpack("<Q", m.data[:8])[0], i)
                    i += 1
            p.join(10)
            self.assertEqual(p.exitcode, 0)
            subs = [x for x in sub.stat().peers if x.role_name == "subscriber"]
            self.assertGreaterEqual(subs[0].msgs, n - 64)   # published every 32

    def test_group_members_share_messages(self):
        a = self.create(perm_size=1 << 20)
        a.chan_create("ch", 1 << 14)
        ctx = mp.get_context("fork")
        q = ctx.Queue()
        readies = [ctx.Event() for _ in range(2)]
        ps = [ctx.Process(target=_member, args=(a.name, q, r))
              for r in readies]
        for p in ps:
            p.start()
        for r in readies:
            self.assertTrue(r.wait(10))
        with a.producer("ch") as prod:
            for i in range(1000):
                prod.send(struct.pack("<q", i), timeout=10)
            for _ in ps:
                prod.send(struct.pack("<q", -1), timeout=10)
        got = q.get(timeout=20) + q.get(timeout=20)
        for p in ps:
            p.join(10)
        self.assertEqual(sorted(got), list(range(1000)))


class TestChannel(Base):
    def test_claim_commit_abort_recv(self):
        a = self.create(perm_size=1 << 20)
        Channel.create(a, "c", 1 << 12, slots=64)
        with self.assertRaises(FileExistsError):
            a.chan_create("c")
        sub = a.subscriber("c")
        prod = a.producer("c")
        with self.assertRaises(BlockingIOError):
            sub.recv(timeout=0)
        t0 = time.monotonic()
        with self.assertRaises(TimeoutError):
            sub.recv(timeout=0.05)
        self.assertLess(time.monotonic() - t0, 2)
        v = prod.claim(5)
        self.assertFalse(v.readonly)
        v[:] = b"first"
        with self.assertRaises(ArenaError) as cm:
            prod.claim(1)
        self.assertEqual(cm.exception.errno, errno.EBUSY)
        prod.commit()
        with self.assertRaises(ValueError):
            v[0]                                 # released at commit
        prod.claim(3)[:] = b"no!"
        prod.abort()
        views = prod.claimv([1, 2, 3])
        for k, w in enumerate(views):
            w[:] = b"v" * (k + 1)
        prod.commit()
        prod.send(b"")
        m = sub.recv_msg(timeout=1)
        self.assertEqual((bytes(m.data), m.producer), (b"first", 0))
        self.assertTrue(m.data.readonly)
        got = sub.recvv(10, timeout=1)
        with self.assertRaises(ValueError):
            m.data[0]                            # released by the receive
        self.assertEqual([bytes(x) for x in got], [b"v", b"vv", b"vvv", b""])
        with self.assertRaises(ArenaError) as cm:
            prod.claim(2048)                     # more than capacity / 4
        self.assertEqual(cm.exception.errno, errno.EMSGSIZE)
        prod.send(bytearray(b"copied"))
        self.assertEqual(sub.recv_bytes(timeout=1), b"copied")
        st = a.chan_stat("c")
        self.assertEqual(st.capacity, 1 << 12)
        self.assertEqual(st.live_producers, 1)
        self.assertEqual({p.role_name for p in st.peers},
                         {"producer", "subscriber"})
        sub.close()
        prod.close()
        with self.assertRaises(ValueError):
            sub.recv()
        with self.assertRaises(ValueError):
            Channel.open(a, "c", "listener")
        with self.assertRaises(FileNotFoundError):
            a.subscriber("nope")

    def test_arena_close_closes_channels(self):
        a = self.create(perm_size=1 << 20)
        a.chan_create("c", 1 << 12)
        sub = a.subscriber("c")
        prod = a.producer("c")
        prod.send(b"x")
        sub.recv(timeout=1)                      # held by the channel
        prod.claim(4)
        a.close()                                # releases, closes both
        self.assertTrue(a.closed)
        with self.assertRaises(ValueError):
            prod.commit()

    def test_channel_view_into_numpy(self):
        if numpy is None:
            self.skipTest("numpy not installed")
        a = self.create(perm_size=1 << 20)
        a.chan_create("c", 1 << 16)
        sub, prod = a.subscriber("c"), a.producer("c")
        v = prod.claim(800)
        numpy.frombuffer(v, dtype=numpy.float64)[:] = numpy.arange(100)
        prod.commit()
        arr = numpy.frombuffer(sub.recv(timeout=1), dtype=numpy.float64)
        self.assertEqual(arr[99], 99.0)


if __name__ == "__main__":
    unittest.main()
