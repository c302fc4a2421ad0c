"""Errors: every failure of the C library is an ArenaError, an OSError
carrying the library's errno.  Where Python has an OSError subclass for
that errno, the error is an instance of it too: a missing arena or key is
both an ArenaError and a FileNotFoundError, an existing name a
FileExistsError, a timeout a TimeoutError, "would block" a BlockingIOError,
a refused access a PermissionError.  A reference of another generation is
a StaleReferenceError (ESTALE).
"""
from __future__ import annotations

import errno as _errno
import os


class ArenaError(OSError):
    """A libarena call failed; .errno says why (see arena(7), ERRORS)."""


class StaleReferenceError(ArenaError):
    """ESTALE: a reference of another generation (made before a reset,
    or in another arena)."""


_classes: dict[int, type] = {_errno.ESTALE: StaleReferenceError}
_by_builtin: dict[type, type] = {OSError: ArenaError}

# Words for the errnos whose strerror() reads oddly for an arena.
_MEANING = {
    _errno.ESTALE: "stale reference (another generation)",
    _errno.EFAULT: "reference out of range",
    _errno.EBADMSG: "corrupt arena or channel",
    _errno.EROFS: "read-only handle",
    _errno.EMEDIUMTYPE: "not an arena (or not a channel)",
    _errno.EUSERS: "no free slot",
}


def error_class(err: int) -> type:
    """The ArenaError subclass raised for errno ERR."""
    cls = _classes.get(err)
    if cls is None:
        builtin = type(OSError(err, ""))
        cls = _by_builtin.get(builtin)
        if cls is None:
            cls = type("Arena" + builtin.__name__, (ArenaError, builtin),
                       {"__module__": __name__,
                        "__doc__": f"An ArenaError that is a "
                                   f"{builtin.__name__}."})
            _by_builtin[builtin] = cls
        _classes[err] = cls
    return cls


# What an errno means from one function, where it says more than the above.
_IN = {
    ("arena_attach", _errno.ENOENT): "no such arena",
    ("arena_lookup", _errno.ENOENT): "no such key",
    ("arena_chan_open", _errno.ENOENT): "no such channel",
    ("arena_chan_stat", _errno.ENOENT): "no such channel",
    ("arena_alloc", _errno.ENOMEM): "the arena is full",
    ("arena_memdup", _errno.ENOMEM): "the arena is full",
    ("arena_strdup", _errno.ENOMEM): "the arena is full",
    ("arena_perm_alloc", _errno.ENOMEM): "the permanent part is full",
    ("arena_reset", _errno.EBUSY): "live peers, open sections or a "
                                   "reset elsewhere",
}


def make_error(err: int, what: str, subject: object = None) -> ArenaError:
    """The exception for errno ERR from C function WHAT, about SUBJECT
    (a name, key or reference, shown as the OSError's filename)."""
    if err == 0:
        err = _errno.EIO     # a C function failed without saying why
    meaning = (_IN.get((what, err)) or _MEANING.get(err)
               or os.strerror(err))
    text = f"{what}: {meaning}"
    cls = error_class(err)
    if subject is None:
        return cls(err, text)
    return cls(err, text, subject)


# Declared for documentation and isinstance() checks.
ArenaFileNotFoundError = error_class(_errno.ENOENT)
ArenaFileExistsError = error_class(_errno.EEXIST)
ArenaTimeoutError = error_class(_errno.ETIMEDOUT)
ArenaBlockingIOError = error_class(_errno.EAGAIN)
ArenaPermissionError = error_class(_errno.EACCES)
