"""Loading libarena.so and describing its C interface to ctypes.

The library is looked for, in this order: the path in the environment
variable LIBARENA_LIBRARY; the source tree's own build (libarena.so.2 in the
directory above this package's, when the package is run from the tree); the
installed soname libarena.so.2, as the dynamic loader finds it.

Every structure described here is checked against the library's own
arena_layout() at import time (size of each structure, size and offset of
each member), and the library's major version against the one this package
was written for: a mismatch raises ImportError rather than letting the
package read and write the wrong bytes.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char, c_char_p, c_int, c_int64,
                    c_size_t, c_ssize_t, c_uint, c_uint16, c_uint32, c_uint64,
                    c_void_p, c_long)

SONAME = "libarena.so.2"
VERSION_MAJOR = 2
VERSION_MINOR = 1        # the oldest minor version with everything used here

KEY_MAX = 31
CHAN_GROUP_MAX = 31

c_pid_t = c_int
c_ref_t = c_uint64


class Options(Structure):
    _fields_ = [("flags", c_uint), ("mode", c_uint), ("proc_slots", c_uint),
                ("dir_slots", c_uint), ("sect_slots", c_uint),
                ("perm_size", c_size_t), ("perm_dir_slots", c_uint)]


class StatC(Structure):
    _fields_ = [("capacity", c_uint64), ("used", c_uint64),
                ("available", c_uint64), ("generation", c_uint64),
                ("high_water", c_uint64), ("failed_allocs", c_uint64),
                ("resets", c_uint64), ("segment_size", c_uint64),
                ("header_size", c_uint64), ("create_time", c_int64),
                ("creator_uid", c_uint32), ("format_version", c_uint32),
                ("flags", c_uint32), ("attached", c_uint32),
                ("proc_slots", c_uint32), ("dir_slots", c_uint32),
                ("dir_entries", c_uint32), ("rdonly", c_uint32),
                ("sect_slots", c_uint32), ("sect_claimed", c_uint32),
                ("sections", c_uint32), ("reset_pending", c_uint32),
                ("perm_size", c_uint64), ("perm_used", c_uint64),
                ("perm_dir_slots", c_uint32), ("perm_dir_entries", c_uint32)]


class ProcC(Structure):
    _fields_ = [("pid", c_pid_t), ("start_time", c_uint32), ("alive", c_int),
                ("slot", c_uint), ("sections", c_uint), ("resetting", c_int)]


class DirentC(Structure):
    _fields_ = [("key", c_char * (KEY_MAX + 1)), ("ref", c_ref_t),
                ("slot", c_uint)]


class LocalC(Structure):
    """struct arena_local: private members; only its size matters here."""
    _fields_ = [("epoch_", c_void_p), ("stamp_", c_uint64), ("cur_", c_uint64),
                ("lo_", c_uint64), ("arena_", c_void_p), ("chunk_", c_size_t),
                ("chunk_max_", c_size_t), ("sect_", c_void_p),
                ("nest_", c_uint32), ("fence_", c_uint32)]


class ChanConfigC(Structure):
    _fields_ = [("capacity", c_size_t), ("slots", c_uint32),
                ("producers", c_uint16), ("receivers", c_uint16),
                ("groups", c_uint16)]


class MsgC(Structure):
    _fields_ = [("data", c_void_p), ("len", c_size_t), ("seq", c_uint32),
                ("producer", c_uint16), ("reserved_", c_uint16)]


class ChanStatC(Structure):
    _fields_ = [("capacity", c_uint64), ("slots", c_uint32),
                ("max_msg", c_uint32), ("producers", c_uint32),
                ("receivers", c_uint32), ("groups", c_uint32),
                ("live_producers", c_uint32), ("live_subscribers", c_uint32),
                ("live_members", c_uint32), ("live_groups", c_uint32),
                ("seq", c_uint32), ("lag", c_uint32), ("lag_bytes", c_uint64),
                ("msgs", c_uint64), ("bytes", c_uint64), ("gaps", c_uint64),
                ("create_time", c_int64)]


class ChanPeerC(Structure):
    _fields_ = [("role", c_uint), ("alive", c_int), ("pid", c_pid_t),
                ("index", c_uint32), ("group", c_char * (CHAN_GROUP_MAX + 1)),
                ("seq", c_uint32), ("lag", c_uint32), ("lag_bytes", c_uint64),
                ("msgs", c_uint64), ("bytes", c_uint64), ("gaps", c_uint64),
                ("lost", c_uint64), ("held", c_uint32),
                ("reserved_", c_uint32)]


class Timespec(Structure):
    _fields_ = [("tv_sec", c_long), ("tv_nsec", c_long)]


# (C structure tag, ctypes class, whether its members are checked too)
STRUCTS = [("arena_options", Options, True), ("arena_stat", StatC, True),
           ("arena_proc", ProcC, True), ("arena_dirent", DirentC, True),
           ("arena_local", LocalC, False),
           ("arena_chan_config", ChanConfigC, True), ("arena_msg", MsgC, True),
           ("arena_chan_stat", ChanStatC, True),
           ("arena_chan_peer", ChanPeerC, True)]

CHECK_FN = ctypes.CFUNCTYPE(None, c_void_p, c_int, c_char_p)

# name: (restype, argtypes)
_P = c_void_p
_SIGNATURES = {
    "arena_create": (_P, [c_char_p, c_size_t, POINTER(Options)]),
    "arena_attach": (_P, [c_char_p, c_uint]),
    "arena_create_memfd": (_P, [c_char_p, c_size_t, POINTER(Options)]),
    "arena_attach_fd": (_P, [c_int, c_uint]),
    "arena_fd": (c_int, [_P]),
    "arena_detach": (c_int, [_P]),
    "arena_unlink": (c_int, [c_char_p]),
    "arena_alloc_fn": (c_ref_t, [_P, c_size_t, c_size_t]),
    "arena_calloc": (c_ref_t, [_P, c_size_t, c_size_t, c_size_t]),
    "arena_memdup": (c_ref_t, [_P, c_void_p, c_size_t, c_size_t]),
    "arena_strdup": (c_ref_t, [_P, c_char_p]),
    "arena_perm_alloc": (c_ref_t, [_P, c_size_t, c_size_t]),
    "arena_perm_strdup": (c_ref_t, [_P, c_char_p]),
    "arena_ptr_fn": (c_void_p, [_P, c_ref_t]),
    "arena_get": (c_void_p, [_P, c_ref_t, c_size_t]),
    "arena_get_strn": (c_void_p, [_P, c_ref_t, c_size_t, POINTER(c_size_t)]),
    "arena_ref": (c_ref_t, [_P, c_void_p]),
    "arena_reset": (c_int, [_P, c_uint]),
    "arena_reset_wait": (c_int, [_P, c_uint, POINTER(Timespec)]),
    "arena_reset_prepare": (c_int, [_P, POINTER(Timespec)]),
    "arena_reset_commit": (c_int, [_P, c_uint]),
    "arena_reset_cancel": (c_int, [_P]),
    "arena_wait_generation": (c_int, [_P, c_uint64, POINTER(Timespec)]),
    "arena_prefault": (c_int, [_P]),
    "arena_mapping": (c_int, [_P, POINTER(c_void_p), POINTER(c_size_t)]),
    "arena_name": (c_char_p, [_P]),
    "arena_stat": (c_int, [_P, POINTER(StatC)]),
    "arena_procs": (c_int, [_P, POINTER(ProcC), c_size_t]),
    "arena_procs_wait": (c_int, [_P, POINTER(c_uint64), POINTER(Timespec)]),
    "arena_publish": (c_int, [_P, c_char_p, c_ref_t]),
    "arena_lookup": (c_ref_t, [_P, c_char_p]),
    "arena_dir_list": (c_int, [_P, POINTER(DirentC), c_size_t]),
    "arena_check": (c_int, [_P, CHECK_FN, c_void_p]),
    "arena_version": (c_char_p, [POINTER(c_int), POINTER(c_int),
                                 POINTER(c_int)]),
    "arena_layout": (c_int, [c_char_p, POINTER(c_size_t), POINTER(c_size_t)]),
    "arena_local_init": (c_int, [POINTER(LocalC), _P, c_size_t]),
    "arena_local_flush": (c_int, [POINTER(LocalC)]),
    "arena_local_alloc_fn": (c_ref_t, [POINTER(LocalC), c_size_t, c_size_t]),
    "arena_section_enter_fn": (c_int, [POINTER(LocalC)]),
    "arena_section_leave_fn": (c_int, [POINTER(LocalC)]),
    "arena_chan_create": (c_int, [_P, c_char_p, POINTER(ChanConfigC)]),
    "arena_chan_open": (_P, [_P, c_char_p, c_uint, c_char_p]),
    "arena_chan_close": (c_int, [_P]),
    "arena_chan_claim": (c_void_p, [_P, c_size_t, POINTER(Timespec)]),
    "arena_chan_claimv": (c_int, [_P, c_size_t, POINTER(c_size_t),
                                  POINTER(c_void_p), POINTER(Timespec)]),
    "arena_chan_commit": (c_int, [_P]),
    "arena_chan_abort": (c_int, [_P]),
    "arena_chan_send": (c_int, [_P, c_void_p, c_size_t, POINTER(Timespec)]),
    "arena_chan_recv": (c_int, [_P, POINTER(MsgC), POINTER(Timespec)]),
    "arena_chan_recvv": (c_int, [_P, POINTER(MsgC), c_size_t,
                                 POINTER(Timespec)]),
    "arena_chan_release": (c_int, [_P]),
    "arena_chan_stat": (c_int, [_P, c_char_p, POINTER(ChanStatC),
                                POINTER(ChanPeerC), POINTER(c_size_t)]),
}
del c_ssize_t


def _candidates() -> list[str]:
    env = os.environ.get("LIBARENA_LIBRARY")
    if env:
        return [env]       # asked for explicitly: that one or nothing
    here = os.path.dirname(os.path.abspath(__file__))
    tree = os.path.normpath(os.path.join(here, "..", "..", SONAME))
    out = [tree] if os.path.exists(tree) else []
    out.append(SONAME)
    found = ctypes.util.find_library("arena")
    if found and found != SONAME:
        out.append(found)
    return out


def _load() -> tuple[ctypes.CDLL, str]:
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path, use_errno=True), path
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError("libarena: cannot load the C library (set "
                      "LIBARENA_LIBRARY to the path of libarena.so.2, or "
                      "install libarena): " + "; ".join(errors))


def _check(lib: ctypes.CDLL, path: str) -> str:
    for name, (res, args) in _SIGNATURES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise ImportError(f"libarena: {path} has no {name}(): it is "
                              f"older than libarena {VERSION_MAJOR}."
                              f"{VERSION_MINOR}") from None
        fn.restype = res
        fn.argtypes = args
    major, minor, patch = c_int(), c_int(), c_int()
    version = lib.arena_version(ctypes.byref(major), ctypes.byref(minor),
                                ctypes.byref(patch)).decode()
    if major.value != VERSION_MAJOR or minor.value < VERSION_MINOR:
        raise ImportError(f"libarena: {path} is version {version}; this "
                          f"package needs {VERSION_MAJOR}.{VERSION_MINOR} "
                          f"or a later {VERSION_MAJOR}.x")
    size, off = c_size_t(), c_size_t()
    for tag, cls, members in STRUCTS:
        if lib.arena_layout(tag.encode(), ctypes.byref(size),
                            ctypes.byref(off)) != 0:
            raise ImportError(f"libarena: {path} ({version}) does not know "
                              f"struct {tag}")
        if size.value != ctypes.sizeof(cls):
            raise ImportError(
                f"libarena: layout mismatch with {path} ({version}): struct "
                f"{tag} is {size.value} bytes there, {ctypes.sizeof(cls)} "
                f"in this package")
        if not members:
            continue
        for field in cls._fields_:
            fname = field[0]
            desc = getattr(cls, fname)
            if lib.arena_layout(f"{tag}.{fname}".encode(), ctypes.byref(size),
                                ctypes.byref(off)) != 0:
                raise ImportError(f"libarena: layout mismatch with {path} "
                                  f"({version}): struct {tag} has no member "
                                  f"{fname} there")
            if (size.value, off.value) != (desc.size, desc.offset):
                raise ImportError(
                    f"libarena: layout mismatch with {path} ({version}): "
                    f"{tag}.{fname} is {size.value} bytes at offset "
                    f"{off.value} there, {desc.size} at {desc.offset} in "
                    f"this package")
    return version


lib, path = _load()
version = _check(lib, path)
