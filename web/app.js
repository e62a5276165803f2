// chu serve's search page: the query and its filters live in the URL (?q=&per=&org=&loc=&from=&to=&page=
// or ?doc=ID), so a search can be bookmarked; results come from /api/search as the user types.
// Everything the API returns is put in the page as text (textContent), never as HTML.
"use strict";

const PAGE = 10;
const KINDS = ["per", "org", "loc"];
const FACT_TYPES = { DATE: "Ngày", TIME: "Giờ", MONEY: "Tiền", PERCENT: "Tỉ lệ", QUANTITY: "Số lượng" };
const KIND_NAMES = { per: "Người", org: "Tổ chức", loc: "Địa điểm" };
const $ = (id) => document.getElementById(id);

let state = readURL();
let controller = null; // the request in flight, cancelled by the next one
let seq = 0;           // answers to older requests are dropped
let typing = null;     // the debounce timer

function readURL() {
  const p = new URLSearchParams(location.search);
  return {
    q: p.get("q") || "",
    per: p.getAll("per"), org: p.getAll("org"), loc: p.getAll("loc"),
    from: p.get("from") || "", to: p.get("to") || "",
    page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
    doc: p.get("doc") || "",
  };
}

function stateQuery(s) {
  const p = new URLSearchParams();
  if (s.doc) p.set("doc", s.doc);
  if (s.q) p.set("q", s.q);
  for (const k of KINDS) for (const v of s[k]) p.append(k, v);
  if (s.from) p.set("from", s.from);
  if (s.to) p.set("to", s.to);
  if (s.page > 1) p.set("page", String(s.page));
  const t = p.toString();
  return t ? "?" + t : "/";
}

// Writes the state into the URL: a new history entry for a new search, the same one while typing.
function writeURL(push) {
  const url = stateQuery(state);
  if (url === location.search || (url === "/" && !location.search)) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

function hasFilters(s) {
  return KINDS.some((k) => s[k].length) || s.from || s.to;
}

// Byte offsets of a UTF-8 string to indices of the JS string (an offset inside a character
// gives the character's start).
function byteIndex(str) {
  const idx = [];
  let b = 0;
  for (let i = 0; i < str.length;) {
    const c = str.codePointAt(i);
    const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) idx[b + k] = i;
    b += n;
    i += c >= 0x10000 ? 2 : 1;
  }
  idx[b] = str.length;
  return idx;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function showError(msg) {
  const e = $("error");
  e.textContent = msg;
  e.hidden = !msg;
}

async function getJSON(url, signal) {
  const r = await fetch(url, { signal, headers: { Accept: "application/json" } });
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) throw new Error(body && body.error ? body.error : "máy chủ trả lời " + r.status);
  return body;
}

// ---- results ----

function searchURL(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  p.set("limit", String(PAGE));
  p.set("offset", String((s.page - 1) * PAGE));
  for (const k of KINDS) for (const v of s[k]) p.append(k, v);
  if (s.from) p.set("date_from", s.from);
  if (s.to) p.set("date_to", s.to);
  return "/api/search?" + p.toString();
}

async function runSearch() {
  const mine = ++seq;
  if (controller) controller.abort();
  controller = new AbortController();
  if (!state.q.trim() && !hasFilters(state)) {
    renderEmpty();
    return;
  }
  document.body.classList.add("busy");
  try {
    const res = await getJSON(searchURL(state), controller.signal);
    if (mine !== seq) return;
    showError("");
    renderResults(res);
  } catch (e) {
    if (e.name === "AbortError" || mine !== seq) return;
    renderEmpty();
    showError("Không tìm được: " + e.message);
  } finally {
    if (mine === seq) document.body.classList.remove("busy");
  }
}

function renderEmpty() {
  $("hits").replaceChildren();
  $("pager").replaceChildren();
  $("status").textContent = "Gõ vài chữ để tìm trong kho tin.";
  $("understood").hidden = true;
  for (const k of KINDS) $("facet-" + k).replaceChildren();
  $("histogram").replaceChildren();
  renderChips();
}

function snippetNode(hit) {
  const p = el("p", "snippet");
  const s = hit.snippet || "";
  const idx = byteIndex(s);
  let at = 0;
  for (const [a, b] of hit.highlights || []) {
    const i = idx[a], j = idx[b];
    if (i === undefined || j === undefined || i < at) continue;
    p.append(s.slice(at, i), el("mark", null, s.slice(i, j)));
    at = j;
  }
  p.append(s.slice(at));
  return p;
}

function docLink(id) {
  return stateQuery({ ...state, doc: id });
}

function renderResults(res) {
  const hits = $("hits");
  hits.replaceChildren();
  hits.start = (state.page - 1) * PAGE + 1;
  for (const h of res.hits) {
    const li = el("li", "hit");
    const a = el("a", "title", h.title || h.id);
    a.href = docLink(h.id);
    a.dataset.doc = h.id;
    const head = el("h3");
    head.append(a);
    if (!h.exact) head.append(" ", el("span", "badge", "cách viết khác"));
    const meta = el("p", "meta");
    meta.append(h.date ? formatDate(h.date) + " · " : "", h.id);
    li.append(head, meta, snippetNode(h));
    hits.append(li);
  }
  const n = res.total;
  $("status").textContent = n === 0 ? "Không có kết quả." :
    n.toLocaleString("vi-VN") + " kết quả" + (res.hits.length ? ", trang " + state.page : "");
  renderUnderstood(res);
  renderPager(n);
  renderFacets(res);
  renderHistogram(res.months || []);
  renderChips();
}

function renderUnderstood(res) {
  const u = $("understood");
  u.replaceChildren();
  const likely = res.understood && res.understood.likely;
  if (!likely || !state.q || likely === state.q.toLowerCase()) {
    u.hidden = true;
    return;
  }
  const exact = state.q.split(/\s+/).filter(Boolean).map((w) => (w.startsWith("=") ? w : "=" + w)).join(" ");
  const a = el("a", null, state.q);
  a.href = stateQuery({ ...state, q: exact, page: 1 });
  a.addEventListener("click", (ev) => { ev.preventDefault(); setState({ q: exact, page: 1 }, true); });
  u.append("kết quả cho: ", el("strong", null, likely), " — tìm chính xác: ", a);
  u.hidden = false;
}

function renderPager(total) {
  const nav = $("pager");
  nav.replaceChildren();
  const pages = Math.ceil(Math.min(total, 10000) / PAGE);
  if (pages <= 1) return;
  const add = (label, page, current) => {
    const b = el("button", current ? "current" : null, label);
    b.type = "button";
    if (current) b.setAttribute("aria-current", "page");
    if (page < 1 || page > pages || current) b.disabled = true;
    else b.addEventListener("click", () => { setState({ page }, true); window.scrollTo(0, 0); });
    nav.append(b);
  };
  add("‹ Trước", state.page - 1, false);
  const lo = Math.max(1, state.page - 2), hi = Math.min(pages, lo + 4);
  for (let p = lo; p <= hi; p++) add(String(p), p, p === state.page);
  add("Sau ›", state.page + 1, false);
}

function renderFacets(res) {
  for (const k of KINDS) {
    const ul = $("facet-" + k);
    ul.replaceChildren();
    const list = (res.facets && res.facets[k]) || [];
    if (!list.length) ul.append(el("li", "none", "—"));
    for (const f of list) {
      const li = el("li");
      const b = el("button", "facet-item");
      b.type = "button";
      b.dataset.kind = k;
      b.dataset.text = f.text;
      b.append(el("span", "name", f.text), el("span", "count", String(f.count)));
      const on = state[k].includes(f.text);
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.title = (on ? "Đang lọc: " : "Lọc theo ") + KIND_NAMES[k].toLowerCase() + " " + f.text;
      b.addEventListener("click", () => {
        if (state[k].includes(f.text)) return;
        setState({ [k]: [...state[k], f.text], page: 1 }, true);
      });
      li.append(b);
      ul.append(li);
    }
  }
}

// The months from the first to the last, those without hits counted 0.
function everyMonth(months) {
  if (!months.length) return months;
  const have = new Map(months.map((m) => [m.month, m.count]));
  const out = [];
  let [y, mo] = months[0].month.split("-").map(Number);
  const [ly, lm] = months[months.length - 1].month.split("-").map(Number);
  while ((y < ly || (y === ly && mo <= lm)) && out.length < 240) {
    const key = `${y}-${String(mo).padStart(2, "0")}`;
    out.push({ month: key, count: have.get(key) || 0 });
    if (++mo > 12) { mo = 1; y++; }
  }
  return out;
}

function renderHistogram(found) {
  const box = $("histogram");
  box.replaceChildren();
  const months = everyMonth(found);
  if (!months.length) {
    box.append(el("p", "none", "Các tin không có ngày."));
    return;
  }
  const max = Math.max(...months.map((m) => m.count));
  const ns = "http://www.w3.org/2000/svg";
  const w = 12, gap = 3, h = 48;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${months.length * (w + gap)} ${h + 14}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", months.map((m) => `${m.month}: ${m.count}`).join(", "));
  months.forEach((m, i) => {
    const bh = m.count ? Math.max(2, Math.round((m.count / max) * h)) : 1;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", String(i * (w + gap)));
    r.setAttribute("y", String(h - bh));
    r.setAttribute("width", String(w));
    r.setAttribute("height", String(bh));
    r.setAttribute("class", "bar");
    r.setAttribute("tabindex", "0");
    const t = document.createElementNS(ns, "title");
    t.textContent = `${monthName(m.month)}: ${m.count} tin`;
    r.append(t);
    const pick = () => setState({ from: m.month, to: m.month, page: 1 }, true);
    r.addEventListener("click", pick);
    r.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(); } });
    svg.append(r);
  });
  const first = document.createElementNS(ns, "text");
  first.setAttribute("x", "0");
  first.setAttribute("y", String(h + 12));
  first.setAttribute("class", "axis");
  first.textContent = monthName(months[0].month);
  svg.append(first);
  if (months.length > 3) {
    const last = document.createElementNS(ns, "text");
    last.setAttribute("x", String(months.length * (w + gap) - gap));
    last.setAttribute("y", String(h + 12));
    last.setAttribute("class", "axis end");
    last.textContent = monthName(months[months.length - 1].month);
    svg.append(last);
  }
  box.append(svg);
}

function monthName(m) {
  const [y, mo] = m.split("-");
  return `${parseInt(mo, 10)}/${y}`;
}

function formatDate(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
  return m ? `${parseInt(m[3], 10)}/${parseInt(m[2], 10)}/${m[1]}` : d;
}

function renderChips() {
  const box = $("chips");
  box.replaceChildren();
  const chip = (label, remove) => {
    const c = el("span", "chip");
    const b = el("button", "remove", "×");
    b.type = "button";
    b.setAttribute("aria-label", "Bỏ lọc " + label);
    b.addEventListener("click", remove);
    c.append(el("span", null, label), b);
    box.append(c);
  };
  for (const k of KINDS)
    for (const v of state[k])
      chip(KIND_NAMES[k] + ": " + v, () => setState({ [k]: state[k].filter((x) => x !== v), page: 1 }, true));
  if (state.from || state.to)
    chip("Thời gian: " + (state.from ? monthName(state.from) : "…") + " – " + (state.to ? monthName(state.to) : "…"),
      () => setState({ from: "", to: "", page: 1 }, true));
  box.hidden = !box.children.length;
}

// ---- one document ----

async function showDoc(id) {
  const mine = ++seq;
  if (controller) controller.abort();
  controller = new AbortController();
  $("results-view").hidden = true;
  $("doc-view").hidden = false;
  $("back").href = stateQuery({ ...state, doc: "" });
  try {
    const d = await getJSON("/api/doc/" + encodeURIComponent(id), controller.signal);
    if (mine !== seq) return;
    showError("");
    renderDoc(d);
  } catch (e) {
    if (e.name === "AbortError" || mine !== seq) return;
    $("doc-title").textContent = "";
    $("doc-body").replaceChildren();
    showError("Không mở được tin: " + e.message);
  }
}

function renderDoc(d) {
  document.title = (d.title || d.id) + " — chu";
  $("doc-title").textContent = d.title || d.id;
  const meta = $("doc-meta");
  meta.replaceChildren();
  if (d.date) meta.append(formatDate(d.date), " · ");
  if (d.url && /^https?:\/\//i.test(d.url)) {
    const a = el("a", null, d.url);
    a.href = d.url;
    a.rel = "noopener noreferrer";
    meta.append(a);
  } else {
    meta.append(d.source || d.id);
  }
  const text = d.text || "";
  const idx = byteIndex(text);
  const start = idx[d.body_start] !== undefined ? idx[d.body_start] : 0;
  const body = $("doc-body");
  body.replaceChildren();
  let at = start;
  const facts = $("doc-facts");
  facts.replaceChildren();
  for (const e of d.entities || []) {
    const i = idx[e.start], j = idx[e.end];
    if (i === undefined || j === undefined) continue;
    if (FACT_TYPES[e.type]) {
      const li = el("li");
      li.append(el("span", "fact-type", FACT_TYPES[e.type]), " ", text.slice(i, j));
      facts.append(li);
    }
    if (i < at) continue; // in the title, or overlapping
    body.append(text.slice(at, i));
    const span = el("span", "ent ent-" + e.type, text.slice(i, j));
    span.dataset.type = e.type;
    span.title = e.type;
    body.append(span);
    at = j;
  }
  body.append(text.slice(at));
  if (!facts.children.length) facts.append(el("li", "none", "—"));
  $("back").focus({ preventScroll: true });
}

// ---- state changes ----

function setState(change, push) {
  state = { ...state, ...change };
  writeURL(push);
  render();
}

function render() {
  $("q").value !== state.q && document.activeElement !== $("q") && ($("q").value = state.q);
  $("from").value = state.from;
  $("to").value = state.to;
  if (state.doc) {
    showDoc(state.doc);
    return;
  }
  document.title = state.q ? state.q + " — chu" : "chu — tìm trong kho tin";
  $("doc-view").hidden = true;
  $("results-view").hidden = false;
  runSearch();
}

function init() {
  const q = $("q");
  q.value = state.q;
  q.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state = { ...state, q: q.value, page: 1, doc: "" };
      writeURL(false);
      render();
    }, 250);
  });
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      q.value = "";
      clearTimeout(typing);
      setState({ q: "", page: 1, doc: "" }, false);
    }
  });
  $("search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearTimeout(typing);
    setState({ q: q.value, page: 1, doc: "" }, true);
  });
  for (const id of ["from", "to"])
    $(id).addEventListener("change", () => setState({ [id]: $(id).value, page: 1 }, true));
  $("hits").addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-doc]");
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    setState({ doc: a.dataset.doc }, true);
    window.scrollTo(0, 0);
  });
  $("back").addEventListener("click", (ev) => {
    ev.preventDefault();
    setState({ doc: "" }, true);
  });
  $("home").addEventListener("click", (ev) => {
    ev.preventDefault();
    setState({ q: "", per: [], org: [], loc: [], from: "", to: "", page: 1, doc: "" }, true);
    q.focus();
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "/" && document.activeElement !== q && !/INPUT|TEXTAREA/.test(document.activeElement.tagName)) {
      ev.preventDefault();
      q.focus();
      q.select();
    }
  });
  window.addEventListener("popstate", () => {
    state = readURL();
    q.value = state.q;
    render();
  });
  render();
  if (!state.doc) q.focus();
}

init();
