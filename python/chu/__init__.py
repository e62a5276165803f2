# SPDX-License-Identifier: Apache-2.0
"""chu: Vietnamese text processing over libchu (ctypes, standard library only).

    >>> import chu
    >>> chu.segment("Thứ trưởng Bộ Ngoại giao Tô Anh Dũng")
    ['Thứ trưởng', 'Bộ', 'Ngoại giao', 'Tô Anh Dũng']
    >>> [(e.type, e.text) for s in chu.annotate("Ông An đến Hà Nội ngày 16/7.") for e in s.entities]
    [('PER', 'An'), ('LOC', 'Hà Nội'), ('DATE', 'ngày 16/7')]

Every function takes and returns str; offsets (start, end) are indices into the str given,
not bytes. Errors raise chu.Error with chu's message. Each thread gets its own libchu context;
the models are loaded once and shared.

libchu.so is looked for in this order: $CHU_LIB, the package directory (pip install puts a
copy there), where make install put it, the repository's build/ (two levels up), then the
system loader. Models (seg.chm, pos.chm, ner.chm, accent.chm): $CHU_MODEL_DIR, the package's
models/ (pip install), make install's data directory, the repository's models/, then
/usr/local/share/chu and /usr/share/chu; chu.Error names every place looked in when one is
missing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from typing import List, NamedTuple, Optional

__all__ = ["segment_spans", "Error", "Token", "Word", "Entity", "Sentence", "normalize", "sentences", "tokenize", "segment",
           "pos", "ner", "accent", "annotate", "annotate_json"]


class Error(Exception):
    """An error from libchu, carrying chu_strerror()'s message and status."""

    def __init__(self, message: str, status: int = 0, offset: int | None = None):
        super().__init__(message)
        self.status = status
        self.offset = offset


try:  # written by make install: where it put libchu.so and the models
    from . import _paths  # type: ignore
except ImportError:
    _paths = None


def _load() -> ctypes.CDLL:
    here = os.path.dirname(os.path.abspath(__file__))
    tried = []
    for cand in (os.environ.get("CHU_LIB"), os.path.join(here, "libchu.so"), getattr(_paths, "LIB", None),
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


_SOURCE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_lib.chu_ctx_set_accent_source.argtypes = [ctypes.c_void_p, _SOURCE, ctypes.c_void_p]


def _accent_source(ud, out) -> int:
    """accent.chm for sentences typed without marks, opened when the first one comes (as the
    command does); none found: they are read as written."""
    out[0] = None
    if not any(os.path.exists(os.path.join(d, "accent.chm")) for d in _model_dirs()):
        return 0
    try:
        out[0] = _model("accent.chm")
    except Error as e:
        return e.status or -5  # CHU_EFORMAT: a file that is there but not the restorer
    return 0


_accent_source_c = _SOURCE(_accent_source)  # kept alive as long as the module


class _Ctx:
    """One chu_ctx, owned by one thread."""

    def __init__(self) -> None:
        self.ptr = ctypes.c_void_p()
        _check(_lib.chu_ctx_new(None, ctypes.byref(self.ptr)))
        _check(_lib.chu_ctx_set_accent_source(self.ptr, _accent_source_c, None))

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


# ---- the library's structs ----

class _Span(ctypes.Structure):
    _fields_ = [("start", ctypes.c_size_t), ("end", ctypes.c_size_t)]


class _Token(ctypes.Structure):
    _fields_ = [("start", ctypes.c_size_t), ("end", ctypes.c_size_t), ("kind", ctypes.c_uint16),
                ("flags", ctypes.c_uint16), ("reserved", ctypes.c_uint32)]


class _Entity(ctypes.Structure):
    _fields_ = [("start", ctypes.c_size_t), ("end", ctypes.c_size_t), ("first", ctypes.c_uint32),
                ("n_words", ctypes.c_uint32), ("type", ctypes.c_char_p)]


class _AnnotateOptions(ctypes.Structure):
    _fields_ = [("seg", ctypes.c_void_p), ("pos", ctypes.c_void_p), ("ner", ctypes.c_void_p),
                ("window", ctypes.c_size_t), ("keep_boilerplate", ctypes.c_int)]


class _AWord(ctypes.Structure):
    _fields_ = [("start", ctypes.c_size_t), ("end", ctypes.c_size_t), ("pos", ctypes.c_char_p),
                ("upos", ctypes.c_char_p)]


class _ASentence(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("start", "end", "first_token", "n_tokens", "first_word", "n_words",
                                                "first_entity", "n_entities")]


class _Annotation(ctypes.Structure):
    _fields_ = [("sentences", ctypes.POINTER(_ASentence)), ("n_sentences", ctypes.c_size_t),
                ("tokens", ctypes.POINTER(_Token)), ("n_tokens", ctypes.c_size_t),
                ("words", ctypes.POINTER(_AWord)), ("n_words", ctypes.c_size_t),
                ("entities", ctypes.POINTER(_Entity)), ("n_entities", ctypes.c_size_t),
                ("url", ctypes.c_void_p), ("url_len", ctypes.c_size_t)]


_P = ctypes.POINTER
_lib.chu_token_kind_name.restype = ctypes.c_char_p
_lib.chu_token_kind_name.argtypes = [ctypes.c_int]
_lib.chu_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, _P(_P(_Token)), _P(ctypes.c_size_t)]
_lib.chu_sentences.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, _P(_P(_Span)), _P(ctypes.c_size_t)]
_lib.chu_model_open.argtypes = [ctypes.c_char_p, _P(ctypes.c_void_p)]
_lib.chu_model_parts.restype = ctypes.c_uint
_lib.chu_model_parts.argtypes = [ctypes.c_void_p]
_lib.chu_accent.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                            _P(ctypes.c_char_p), _P(ctypes.c_size_t)]
_lib.chu_annotate_options_init.argtypes = [_P(_AnnotateOptions)]
_lib.chu_annotate.argtypes = [ctypes.c_void_p, _P(_AnnotateOptions), ctypes.c_char_p, ctypes.c_size_t,
                              _P(_Annotation)]
_lib.chu_annotation_jsonl.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                      _P(_Annotation), _P(ctypes.c_void_p), _P(ctypes.c_size_t)]
_lib.chu_error_offset.restype = ctypes.c_size_t
_lib.chu_error_offset.argtypes = [ctypes.c_void_p]


# ---- what the functions return ----

class Token(NamedTuple):
    """A token: its text as written, its kind ("syllable", "number", "date", "money", ...) and
    its place in the str given."""
    text: str
    kind: str
    start: int
    end: int


class Word(NamedTuple):
    """A word (its syllables as written, with their spaces), its part of speech (VLSP 2013 tag,
    and UD's UPOS) when tagged, and its place in the str given."""
    text: str
    start: int
    end: int
    pos: Optional[str] = None
    upos: Optional[str] = None


class Entity(NamedTuple):
    """An entity: PER, LOC, ORG, MISC (the model) or DATE, TIME, MONEY, PERCENT, QUANTITY
    (rules); its text as written and its place in the str given."""
    type: str
    text: str
    start: int
    end: int


class Sentence(NamedTuple):
    """One sentence of annotate(): its text, place, tokens, words and entities."""
    text: str
    start: int
    end: int
    tokens: List[Token]
    words: List[Word]
    entities: List[Entity]


# ---- models: found once, shared by every thread ----

_MODEL_PARTS = {"seg.chm": 1, "pos.chm": 2, "ner.chm": 4, "accent.chm": 8}
_models = {}
_models_lock = threading.Lock()


def _model_dirs() -> List[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = [os.environ.get("CHU_MODEL_DIR"), os.path.join(here, "models"), getattr(_paths, "MODELS", None),
            os.path.join(here, "..", "..", "models"), "/usr/local/share/chu", "/usr/share/chu"]
    return [d for d in dirs if d]


def _model(name: str, models: Optional[str] = None) -> ctypes.c_void_p:
    """The model called name, opened once per process: from the directory models, or else
    from the first of _model_dirs() that holds it."""
    key = name if models is None else (os.path.abspath(models), name)
    with _models_lock:
        m = _models.get(key)
        if m is not None:
            return m
        dirs = _model_dirs() if models is None else [models]
        for d in dirs:
            path = os.path.join(d, name)
            if os.path.exists(path):
                m = ctypes.c_void_p()
                st = _lib.chu_model_open(path.encode(), ctypes.byref(m))
                if st != 0:
                    raise Error("%s: %s" % (path, _lib.chu_strerror(st).decode()), st)
                if name in _MODEL_PARTS and not _lib.chu_model_parts(m) & _MODEL_PARTS[name]:
                    raise Error("%s: not the model %s should be" % (path, name))
                _models[key] = m
                return m
        raise Error("model %s not found; looked in: %s (set CHU_MODEL_DIR)" % (name, ", ".join(dirs)))


# ---- offsets: bytes of the UTF-8 text to indices of the str ----

class _Text:
    """A str as libchu reads it: its UTF-8 bytes, and byte offsets turned into str indices."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = _encode(text)
        self._index = None

    def at(self, b: int) -> int:
        if self._index is None:
            idx = [0] * (len(self.data) + 1)
            i = 0
            for k, ch in enumerate(self.text):
                n = len(ch.encode("utf-8"))
                for j in range(n):
                    idx[i + j] = k
                i += n
            idx[i] = len(self.text)
            self._index = idx
        return self._index[b]

    def piece(self, a: int, b: int) -> str:
        return self.text[self.at(a):self.at(b)]


def _tokens_of(t: _Text, toks, n: int) -> List[Token]:
    return [Token(t.piece(toks[i].start, toks[i].end), _lib.chu_token_kind_name(toks[i].kind).decode(),
                  t.at(toks[i].start), t.at(toks[i].end)) for i in range(n)]


def sentences(text: str) -> List[str]:
    """The sentences of text (chu sent), each as written."""
    t = _Text(text)
    sp = _P(_Span)()
    n = ctypes.c_size_t()
    _check(_lib.chu_sentences(_ctx().ptr, t.data, len(t.data), ctypes.byref(sp), ctypes.byref(n)))
    return [t.piece(sp[i].start, sp[i].end) for i in range(n.value)]


def tokenize(text: str) -> List[Token]:
    """The tokens of text (chu tok) with their kinds and places."""
    t = _Text(text)
    toks = _P(_Token)()
    n = ctypes.c_size_t()
    _check(_lib.chu_tokenize(_ctx().ptr, t.data, len(t.data), ctypes.byref(toks), ctypes.byref(n)))
    return _tokens_of(t, toks, n.value)


def _annotation(t: _Text, pos: bool, ner: bool, clean: bool, window: int, models: Optional[str]) -> _Annotation:
    o = _AnnotateOptions()
    _lib.chu_annotate_options_init(ctypes.byref(o))
    o.seg = _model("seg.chm", models)
    o.pos = _model("pos.chm", models) if pos or ner else None
    o.ner = _model("ner.chm", models) if ner else None
    o.window = window
    o.keep_boilerplate = 0 if clean else 1
    a = _Annotation()
    _check(_lib.chu_annotate(_ctx().ptr, ctypes.byref(o), t.data, len(t.data), ctypes.byref(a)))
    return a


def annotate(text: str, *, pos: bool = True, ner: bool = True, clean: bool = True,
             window: int = 30, models: Optional[str] = None) -> List[Sentence]:
    """Text through chu's whole pipeline, as `chu annotate` does it: boilerplate lines left out
    (unless clean=False), sentences, tokens, words (models/seg.chm), parts of speech
    (pos.chm, unless pos=False) and entities — the model's (ner.chm, unless ner=False), made
    consistent over window sentences either side, and the rules' dates, times and amounts.

        >>> s = chu.annotate("Bà Lê Thị Hoà thăm Quảng Nam.")[0]
        >>> [(w.text, w.pos) for w in s.words]
        [('Bà', 'Nc'), ('Lê Thị Hoà', 'Np'), ('thăm', 'V'), ('Quảng Nam', 'Np'), ('.', 'CH')]

    models: a directory holding seg.chm, pos.chm and ner.chm, instead of the places looked in.
    """
    t = _Text(text)
    a = _annotation(t, pos, ner, clean, window, models)
    out = []
    for k in range(a.n_sentences):
        s = a.sentences[k]
        words = []
        for i in range(s.first_word, s.first_word + s.n_words):
            w = a.words[i]
            tagged = pos and w.pos
            words.append(Word(t.piece(w.start, w.end), t.at(w.start), t.at(w.end),
                              w.pos.decode() if tagged else None, w.upos.decode() if tagged else None))
        ents = [Entity(a.entities[i].type.decode(), t.piece(a.entities[i].start, a.entities[i].end),
                       t.at(a.entities[i].start), t.at(a.entities[i].end))
                for i in range(s.first_entity, s.first_entity + s.n_entities)]
        toks = [Token(t.piece(a.tokens[i].start, a.tokens[i].end),
                      _lib.chu_token_kind_name(a.tokens[i].kind).decode(), t.at(a.tokens[i].start),
                      t.at(a.tokens[i].end)) for i in range(s.first_token, s.first_token + s.n_tokens)]
        out.append(Sentence(t.piece(s.start, s.end), t.at(s.start), t.at(s.end), toks, words, ents))
    return out


def annotate_json(text: str, doc: str = "<stdin>", *, pos: bool = True, ner: bool = True, clean: bool = True,
                  window: int = 30, models: Optional[str] = None) -> bytes:
    """annotate() as JSON lines (UTF-8 bytes, one line a sentence): byte for byte what
    `chu annotate --format jsonl FILE` prints for a FILE named doc holding text, offsets in bytes
    of text's UTF-8 (libchu's chu_annotation_jsonl writes them). b"" when text has no sentence.

        >>> json.loads(chu.annotate_json("Ông An đến Hà Nội.", "a.txt"))["entities"][1]
        {'start': 15, 'end': 24, 'type': 'LOC', 'text': 'Hà Nội'}
    """
    t = _Text(text)
    d = _encode(doc)
    a = _annotation(t, pos, ner, clean, window, models)
    out = ctypes.c_void_p()
    n = ctypes.c_size_t()
    _check(_lib.chu_annotation_jsonl(_ctx().ptr, d, len(d), t.data, ctypes.byref(a), ctypes.byref(out),
                                     ctypes.byref(n)))
    return ctypes.string_at(out, n.value) if n.value else b""


def segment(text: str) -> List[str]:
    """The words of text (models/seg.chm), each with its syllables as written.
    segment_spans() gives their places."""
    return [w.text for s in annotate(text, pos=False, ner=False, clean=False) for w in s.words]


def segment_spans(text: str) -> List[Word]:
    """The words of text with their places (start, end: indices of text)."""
    return [w for s in annotate(text, pos=False, ner=False, clean=False) for w in s.words]


def pos(text: str) -> List[Word]:
    """The words of text with their parts of speech (VLSP 2013 tags and UPOS)."""
    return [w for s in annotate(text, ner=False, clean=False) for w in s.words]


def ner(text: str) -> List[Entity]:
    """The entities of text: the model's PER, LOC, ORG, MISC and the rules' DATE, TIME, MONEY,
    PERCENT, QUANTITY, each with its text and place."""
    return [e for s in annotate(text, clean=False) for e in s.entities]


def accent(text: str) -> str:
    """Text typed without marks with its marks restored (models/accent.chm): "Thu truong Bo
    Ngoai giao" -> "Thứ trưởng Bộ Ngoại giao". Syllables that have marks are kept as written."""
    data = _encode(text)
    out = ctypes.c_char_p()
    n = ctypes.c_size_t()
    _check(_lib.chu_accent(_ctx().ptr, _model("accent.chm"), data, len(data), ctypes.byref(out), ctypes.byref(n)))
    return ctypes.string_at(out, n.value).decode("utf-8")


from .index import Document, Facet, Hit, Index, Results, search  # noqa: E402  (needs the names above)

__all__ += ["Index", "search", "Hit", "Facet", "Results", "Document"]
