"""py_bench.py - handing payloads from one Python process to another.

Three ways, each with a producer process (multiprocessing, fork) sending N
payloads of SIZE bytes to the consumer (this process), which touches the
first and last byte of each:
  arena   a libarena channel: the producer claims room in the channel and
          copies the payload into it (one copy), the consumer gets a view
          of those bytes (no copy);
  queue   multiprocessing.Queue: pickled, through a pipe, unpickled;
  shm     multiprocessing.shared_memory managed by hand: a ring of 8 slots
          in one block, the slot's number sent through a Pipe, a credit sent
          back once the consumer is done with the slot (one copy).
Time runs from the moment both sides are ready to the last payload's
arrival; the best of ROUNDS runs is kept.  Target: the arena at least 20x
faster than the queue for 1 MiB payloads (PASS or MISS; never fails).

    PYTHONPATH=python python3 tests/bench/py_bench.py [--quick]
Run by make bench (tests/bench/run.sh, suite "py").  BENCH_ROUNDS, and
BENCH_QUICK=1 (or --quick) for a short run, are honoured.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from multiprocessing import shared_memory

from libarena import Arena

SIZES = [(1 << 20, 400), (64, 40000)]     # (payload bytes, payloads)
TARGET = 20.0
SLOTS = 8
ctx = mp.get_context("fork")


def payload(size: int) -> bytes:
    return bytes((i * 7 + 1) & 0xFF for i in range(min(size, 256))) * (
        size // min(size, 256))


# --- arena

def arena_producer(name, size, n, go):
    data = payload(size)
    with Arena.attach(name) as a, a.producer("bench") as ch:
        go.wait()
        for _ in range(n):
            ch.claim(size)[:] = data
            ch.commit()


def run_arena(size, n):
    name = f"arena-bench-py-{os.getpid()}"
    cap = 1 << 24 if size > 4096 else 1 << 20
    a = Arena.create(name, 1 << 16, perm_size=2 * cap, prefault=True)
    try:
        a.chan_create("bench", cap, slots=1024)
        with a.subscriber("bench") as ch:
            go = ctx.Event()
            p = ctx.Process(target=arena_producer, args=(name, size, n, go))
            p.start()
            time.sleep(0.2)               # let it attach and open
            check = 0
            t0 = time.perf_counter()
            go.set()
            for _ in range(n):
                m = ch.recv(timeout=30)
                check += m[0] + m[-1]
            t = time.perf_counter() - t0
            p.join()
        a.close()
    finally:
        Arena.unlink(name)
    return t, check


# --- multiprocessing.Queue

def queue_producer(q, size, n, go):
    data = payload(size)
    go.wait()
    for _ in range(n):
        q.put(data)


def run_queue(size, n):
    q = ctx.Queue(maxsize=64)
    go = ctx.Event()
    p = ctx.Process(target=queue_producer, args=(q, size, n, go))
    p.start()
    time.sleep(0.2)
    check = 0
    t0 = time.perf_counter()
    go.set()
    for _ in range(n):
        m = q.get(timeout=30)
        check += m[0] + m[-1]
    t = time.perf_counter() - t0
    p.join()
    return t, check


# --- multiprocessing.shared_memory, by hand

def shm_producer(shm_name, size, n, go, tx, credits):
    data = payload(size)
    shm = shared_memory.SharedMemory(shm_name)
    buf = shm.buf
    go.wait()
    inflight = 0
    for i in range(n):
        if inflight == SLOTS:
            credits.recv_bytes()
            inflight -= 1
        slot = i % SLOTS
        buf[slot * size:(slot + 1) * size] = data
        tx.send_bytes(slot.to_bytes(4, "little"))
        inflight += 1
    del buf
    shm.close()


def run_shm(size, n):
    shm = shared_memory.SharedMemory(create=True, size=size * SLOTS)
    try:
        rx, tx = ctx.Pipe(duplex=False)
        credit_rx, credit_tx = ctx.Pipe(duplex=False)
        go = ctx.Event()
        p = ctx.Process(target=shm_producer,
                        args=(shm.name, size, n, go, tx, credit_rx))
        p.start()
        time.sleep(0.2)
        buf = shm.buf
        check = 0
        t0 = time.perf_counter()
        go.set()
        for _ in range(n):
            slot = int.from_bytes(rx.recv_bytes(), "little")
            m = buf[slot * size:(slot + 1) * size]
            check += m[0] + m[-1]
            m.release()
            credit_tx.send_bytes(b"c")
        t = time.perf_counter() - t0
        p.join()
        del buf
    finally:
        shm.close()
        shm.unlink()
    return t, check


def main() -> int:
    quick = "--quick" in sys.argv or os.environ.get("BENCH_QUICK") == "1"
    rounds = int(os.environ.get("BENCH_ROUNDS", "3" if not quick else "1"))
    rounds = max(1, min(rounds, 5))
    print(f"py_bench: Python {sys.version.split()[0]}, best of {rounds}")
    print(f"{'payload':>9} {'way':<7} {'msgs/s':>10} {'MB/s':>9} "
          f"{'us/msg':>9} {'vs queue':>9}")
    status = 0
    verdict = []
    for size, n in SIZES:
        if quick:
            n //= 10
        d = payload(size)
        want = (d[0] + d[-1]) * n
        best = {}
        for way, fn in (("arena", run_arena), ("queue", run_queue),
                        ("shm", run_shm)):
            times = []
            for _ in range(rounds):
                t, check = fn(size, n)
                if check != want:
                    print(f"py_bench: {way} {size} B: wrong data")
                    status = 1
                times.append(t)
            best[way] = min(times)
        for way in ("arena", "queue", "shm"):
            t = best[way]
            label = f"{size >> 20} MiB" if size >= 1 << 20 else f"{size} B"
            print(f"{label:>9} {way:<7} {n / t:>10.0f} "
                  f"{n * size / t / 1e6:>9.1f} {t / n * 1e6:>9.2f} "
                  f"{best['queue'] / t:>8.1f}x")
        if size == 1 << 20:
            ratio = best["queue"] / best["arena"]
            verdict.append(f"py_bench: 1 MiB: arena {ratio:.1f}x faster than "
                           f"multiprocessing.Queue (target {TARGET:.0f}x): "
                           f"{'PASS' if ratio >= TARGET else 'MISS'}")
        verdict.append(f"py_bench: {label}: arena "
                       f"{best['shm'] / best['arena']:.1f}x faster than "
                       f"shared_memory by hand")
    print("\n".join(verdict))
    return status


if __name__ == "__main__":
    sys.exit(main())
