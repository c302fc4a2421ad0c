"""libarena: share memory between Python and C processes, zero-copy.

Pure Python over libarena.so (ctypes).  An Arena is one attachment of a
named POSIX shared-memory segment that several processes, in any
language, allocate from with one compare-and-swap; references (ints) name
objects in every process.  A Channel is a message log inside an arena.

    import libarena
    with libarena.Arena.create("jobs", 1 << 20) as a:
        r = a.put_str("hello")
        a.publish("greeting", r)
        print(a.get_str(a.lookup("greeting")))
    libarena.Arena.unlink("jobs")

See README.md ("Python") and the C manual, arena(7), for the semantics:
each method names the C function it calls.
"""
from ._lib import path as library_path, version as library_version
from .arena import (ANY_OWNER, CHECK_ERROR, CHECK_WARN, CREATE_PREFAULT,
                    CREATE_SPARSE, DIR_NONE, GEN_MASK, KEY_MAX, MAX_ALIGN,
                    NAME_MAX, NOWAIT, NULL, OFFSET_BITS, OFFSET_MASK, PREFAULT,
                    RDONLY, RESET_FORCE, RESET_TRIM, Arena, DirEntry, Finding,
                    Proc, Ref, Stat, ref_generation, ref_offset)
from .channel import (BATCH_MAX, GROUP, GROUP_MAX, MEMBER, PRODUCER,
                      SUBSCRIBER, ChanPeer, ChanStat, Channel, Message)
from .errors import (ArenaBlockingIOError, ArenaError, ArenaFileExistsError,
                     ArenaFileNotFoundError, ArenaPermissionError,
                     ArenaTimeoutError, StaleReferenceError)

__version__ = "2.1.0"

__all__ = [
    "Arena", "Channel", "Stat", "Proc", "DirEntry", "Finding", "Message",
    "ChanStat", "ChanPeer", "Ref", "ArenaError", "StaleReferenceError",
    "ArenaFileNotFoundError", "ArenaFileExistsError", "ArenaTimeoutError",
    "ArenaBlockingIOError", "ArenaPermissionError", "ref_offset",
    "ref_generation", "library_path", "library_version", "NULL",
    "OFFSET_BITS", "OFFSET_MASK", "GEN_MASK", "MAX_ALIGN", "KEY_MAX",
    "NAME_MAX", "DIR_NONE", "CREATE_SPARSE", "CREATE_PREFAULT", "RDONLY",
    "ANY_OWNER", "NOWAIT", "PREFAULT", "RESET_FORCE", "RESET_TRIM",
    "CHECK_WARN", "CHECK_ERROR", "PRODUCER", "SUBSCRIBER", "MEMBER", "GROUP",
    "GROUP_MAX", "BATCH_MAX",
]
