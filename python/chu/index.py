# SPDX-License-Identifier: Apache-2.0
"""Searching an index made by `chu index` (libchu's chu_index_*): chu.Index and chu.search.

    >>> ix = chu.Index("archive.db")
    >>> r = ix.search("phu nu", limit=5, per="Nguyễn Văn An")
    >>> r.total, r.likely, [h.title for h in r.hits]
    >>> ix.get(r.hits[0].id).body

Offsets in highlights are str indices into the hit's snippet. An Index is for the thread that
opened it (each thread opens its own; they share the file and see what chu index commits).
"""
from __future__ import annotations

import ctypes
import threading
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from . import Error, _ctx, _encode, _lib, _model, _Text

_P = ctypes.POINTER


class _Filter(ctypes.Structure):
    _fields_ = [("field", ctypes.c_char_p), ("text", ctypes.c_char_p), ("neg", ctypes.c_int)]


class _Request(ctypes.Structure):
    _fields_ = [("query", ctypes.c_char_p), ("query_len", ctypes.c_size_t), ("mode", ctypes.c_int),
                ("limit", ctypes.c_size_t), ("offset", ctypes.c_size_t), ("filters", _P(_Filter)),
                ("n_filters", ctypes.c_size_t), ("facets", ctypes.c_int), ("facet_hits", ctypes.c_size_t),
                ("facet_kinds", _P(ctypes.c_char_p))]


class _Hit(ctypes.Structure):
    _fields_ = [("rowid", ctypes.c_int64), ("id", ctypes.c_char_p), ("source", ctypes.c_char_p),
                ("title", ctypes.c_char_p), ("url", ctypes.c_char_p), ("date", ctypes.c_char_p),
                ("score", ctypes.c_double), ("exact", ctypes.c_int), ("match", ctypes.c_char_p),
                ("snippet", ctypes.c_void_p), ("snippet_len", ctypes.c_size_t), ("marks", _P(ctypes.c_size_t)),
                ("n_marks", ctypes.c_size_t)]


class _Facet(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_char_p), ("text", ctypes.c_char_p), ("count", ctypes.c_size_t)]


class _Month(ctypes.Structure):
    _fields_ = [("month", ctypes.c_char * 8), ("count", ctypes.c_size_t)]


class _Results(ctypes.Structure):
    _fields_ = [("total", ctypes.c_size_t), ("hits", _P(_Hit)), ("n_hits", ctypes.c_size_t),
                ("facets", _P(_Facet)), ("n_facets", ctypes.c_size_t), ("months", _P(_Month)),
                ("n_months", ctypes.c_size_t), ("facets_over", ctypes.c_size_t), ("marked", ctypes.c_int),
                ("likely", ctypes.c_char_p), ("filters", _P(_Filter)), ("n_filters", ctypes.c_size_t)]


class _Doc(ctypes.Structure):
    _fields_ = [("rowid", ctypes.c_int64), ("id", ctypes.c_char_p), ("source", ctypes.c_char_p),
                ("title", ctypes.c_void_p), ("url", ctypes.c_char_p), ("date", ctypes.c_char_p),
                ("body", ctypes.c_void_p), ("title_len", ctypes.c_size_t), ("body_len", ctypes.c_size_t)]


_lib.chu_index_open.argtypes = [ctypes.c_char_p, ctypes.c_void_p, _P(ctypes.c_void_p)]
_lib.chu_index_close.argtypes = [ctypes.c_void_p]
_lib.chu_index_error.argtypes = [ctypes.c_void_p]
_lib.chu_index_error.restype = ctypes.c_char_p
_lib.chu_index_request_init.argtypes = [_P(_Request)]
_lib.chu_index_search.argtypes = [ctypes.c_void_p, ctypes.c_void_p, _P(_Request), _P(_Results)]
_lib.chu_index_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, _P(_Doc)]
_lib.chu_index_count.argtypes = [ctypes.c_void_p, _P(ctypes.c_int64)]
_lib.chu_index_set_time_limit.argtypes = [ctypes.c_void_p, ctypes.c_uint]

_MODES = {"ranked": 0, "all": 1, "any": 2}


def _s(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8")


class Hit(NamedTuple):
    """One document found: its id as chu index was given it, where it came from, its title,
    url and date (None when it has none), the bm25 score, whether it matches the query's
    spelling (exact) or is a look-alike, the tier it came from, a plain snippet and the
    (start, end) str indices of the matched words in it."""
    id: str
    source: Optional[str]
    title: str
    url: Optional[str]
    date: Optional[str]
    score: float
    exact: bool
    match: str
    snippet: str
    highlights: List[Tuple[int, int]]


class Facet(NamedTuple):
    kind: str
    text: str
    count: int


class Filter(NamedTuple):
    field: str
    text: str
    neg: bool


class Results(NamedTuple):
    """What a search found: the number of matching documents (total), the hits asked for,
    facets (the commonest entities of each kind among the first hits) and months ((YYYY-MM,
    count) of their dates), whether the query carried a mark, its likely spelling when it had
    none (else None), and every filter applied."""
    total: int
    hits: List[Hit]
    facets: List[Facet]
    months: List[Tuple[str, int]]
    facets_over: int
    marked: bool
    likely: Optional[str]
    filters: List[Filter]


class Document(NamedTuple):
    id: str
    source: Optional[str]
    title: str
    url: Optional[str]
    date: Optional[str]
    body: str


FilterArg = Union[None, str, Iterable[str]]


class Index:
    """An index made by `chu index`, opened read-only.

    accent: look for the likely spelling of queries typed without marks with models/accent.chm
    (found as chu's other functions find models; False: no model). time_limit_ms: a search
    that runs longer raises chu.Error (0: no limit)."""

    def __init__(self, path: str, *, accent: bool = True, time_limit_ms: int = 0) -> None:
        self._ptr = ctypes.c_void_p()
        self._thread = threading.get_ident()
        model = None
        if accent:
            try:
                model = _model("accent.chm")
            except Error:
                model = None
        st = _lib.chu_index_open(_encode(path), model, ctypes.byref(self._ptr))
        if st != 0:
            msg = _lib.chu_index_error(self._ptr).decode() if self._ptr else "out of memory"
            self.close()
            raise Error("%s: %s" % (path, msg), st)
        if time_limit_ms:
            _lib.chu_index_set_time_limit(self._ptr, int(time_limit_ms))

    def close(self) -> None:
        if getattr(self, "_ptr", None):
            _lib.chu_index_close(self._ptr)
            self._ptr = None

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def _handle(self) -> ctypes.c_void_p:
        if not self._ptr:
            raise Error("the index is closed")
        if threading.get_ident() != self._thread:
            raise Error("an Index is used by the thread that opened it; open one in each thread")
        return self._ptr

    def _fail(self, st: int) -> Error:
        return Error(_lib.chu_index_error(self._ptr).decode(), st)

    def search(self, query: str = "", *, limit: int = 10, offset: int = 0, mode: str = "ranked",
               per: FilterArg = None, org: FilterArg = None, loc: FilterArg = None,
               date: Optional[str] = None, facets: bool = False, facet_hits: int = 1000,
               facet_kinds: Optional[Sequence[str]] = None) -> Results:
        """Search in chu's query language (see `chu search --help`).

        mode: "ranked" (phrase, near, all words, then most of them), "all" or "any".
        per, org, loc: an entity (or several) the hits must mention; "-X" excludes X.
        date: as after date: in a query ("2023", "2023-05", "2023-01..2023-06").
        facets: also count entities and months over the first facet_hits hits."""
        ix = self._handle()
        if mode not in _MODES:
            raise Error("mode is ranked, all or any, not %r" % (mode,))
        if not 1 <= limit <= 10000 or not 0 <= offset <= 1000000:
            raise Error("limit is 1 to 10000 and offset 0 to 1000000")
        q = _encode(query)
        keep = []  # the bytes the request points at, alive for the call
        filters = []
        for field, arg in (("per", per), ("org", org), ("loc", loc), ("date", date)):
            if arg is None:
                continue
            for text in ([arg] if isinstance(arg, str) else list(arg)):
                neg = field != "date" and text.startswith("-")
                b = _encode(text[1:] if neg else text)
                keep.append(b)
                filters.append(_Filter(field.encode(), b, int(neg)))
        req = _Request()
        _lib.chu_index_request_init(ctypes.byref(req))
        req.query, req.query_len, req.mode = q, len(q), _MODES[mode]
        req.limit, req.offset = limit, offset
        arr = (_Filter * max(len(filters), 1))(*filters)
        req.filters, req.n_filters = (arr if filters else None), len(filters)
        req.facets, req.facet_hits = int(facets), facet_hits
        kinds = None
        if facet_kinds is not None:
            kb = [_encode(k) for k in facet_kinds]
            kinds = (ctypes.c_char_p * (len(kb) + 1))(*kb, None)
            req.facet_kinds = kinds
        res = _Results()
        st = _lib.chu_index_search(ix, _ctx().ptr, ctypes.byref(req), ctypes.byref(res))
        if st != 0:
            raise self._fail(st)
        hits = []
        for i in range(res.n_hits):
            h = res.hits[i]
            t = _Text(ctypes.string_at(h.snippet, h.snippet_len).decode("utf-8"))
            marks = [(t.at(h.marks[2 * k]), t.at(h.marks[2 * k + 1])) for k in range(h.n_marks)]
            hits.append(Hit(_s(h.id), _s(h.source), _s(h.title) or "", _s(h.url), _s(h.date), h.score,
                            bool(h.exact), _s(h.match), t.text, marks))
        return Results(res.total, hits,
                       [Facet(_s(res.facets[i].kind), _s(res.facets[i].text), res.facets[i].count)
                        for i in range(res.n_facets)],
                       [(res.months[i].month.decode(), res.months[i].count) for i in range(res.n_months)],
                       res.facets_over, bool(res.marked), _s(res.likely),
                       [Filter(_s(res.filters[i].field), _s(res.filters[i].text), bool(res.filters[i].neg))
                        for i in range(res.n_filters)])

    def get(self, id: str) -> Optional[Document]:
        """The document whose id is id, or None."""
        ix = self._handle()
        b = _encode(id)
        d = _Doc()
        st = _lib.chu_index_get(ix, b, len(b), ctypes.byref(d))
        if st < 0:
            raise self._fail(st)
        if st == 0:
            return None
        return Document(_s(d.id), _s(d.source), ctypes.string_at(d.title, d.title_len).decode("utf-8"),
                        _s(d.url), _s(d.date), ctypes.string_at(d.body, d.body_len).decode("utf-8"))

    def __len__(self) -> int:
        n = ctypes.c_int64()
        st = _lib.chu_index_count(self._handle(), ctypes.byref(n))
        if st != 0:
            raise self._fail(st)
        return n.value


def search(path: str, query: str, **kw) -> Results:
    """One search on the index at path (opened and closed for the call); see Index.search."""
    with Index(path) as ix:
        return ix.search(query, **kw)
