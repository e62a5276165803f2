# SPDX-License-Identifier: Apache-2.0
"""chu: Vietnamese text processing over libchu (ctypes, standard library only).

Work in progress: only normalize() is wrapped so far; see issue 21.

libchu.so is looked for in this order: $CHU_LIB, the package directory,
the repository's build/ (two levels up), then the system loader.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading

__all__ = ["Error", "normalize"]


class Error(Exception):
    """An error from libchu, carrying chu_strerror()'s message and status."""

    def __init__(self, message: str, status: int = 0, offset: int | None = None):
        super().__init__(message)
        self.status = status
        self.offset = offset


def _load() -> ctypes.CDLL:
    here = os.path.dirname(os.path.abspath(__file__))
    tried = []
    for cand in (os.environ.get("CHU_LIB"), os.path.join(here, "libchu.so"),
                 os.path.join(here, "..", "..", "build", "libchu.so")):
        if cand:
            tried.append(cand)
            if os.path.exists(cand):
                return ctypes.CDLL(cand)
    name = ctypes.util.find_library("chu")
    if name:
        return ctypes.CDLL(name)
    raise Error("libchu.so not found; looked in: " + ", ".join(tried + ["the system loader"]))


_lib = _load()
_lib.chu_strerror.restype = ctypes.c_char_p
_lib.chu_strerror.argtypes = [ctypes.c_int]
_lib.chu_ctx_new.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
_lib.chu_ctx_free.argtypes = [ctypes.c_void_p]
_lib.chu_norm.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                          ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)]


class _Ctx:
    """One chu_ctx, owned by one thread."""

    def __init__(self) -> None:
        self.ptr = ctypes.c_void_p()
        _check(_lib.chu_ctx_new(None, ctypes.byref(self.ptr)))

    def __del__(self) -> None:
        if getattr(self, "ptr", None):
            _lib.chu_ctx_free(self.ptr)


_local = threading.local()


def _ctx() -> _Ctx:
    c = getattr(_local, "ctx", None)
    if c is None:
        c = _local.ctx = _Ctx()
    return c


def _check(status: int) -> None:
    if status != 0:
        raise Error(_lib.chu_strerror(status).decode(), status)


def _encode(text: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError("chu expects str, not " + type(text).__name__)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise Error("text is not valid Unicode (lone surrogate at index %d)" % e.start,
                    offset=e.start) from None


def normalize(text: str) -> str:
    """Return text normalized as chu_norm() does: NFC, one tone placement,
    white space folded, control characters removed."""
    data = _encode(text)
    out = ctypes.c_char_p()
    n = ctypes.c_size_t()
    _check(_lib.chu_norm(_ctx().ptr, data, len(data), ctypes.byref(out), ctypes.byref(n)))
    return ctypes.string_at(out, n.value).decode("utf-8")
