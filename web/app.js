/* chu — the search page. Plain DOM, no framework: talks to /api/search and /api/doc/ID
 * (doc/serve.md) and keeps the whole state in the URL. Text from the API only ever reaches the
 * page through textContent / text nodes, never as markup. */
'use strict';

(function () {
	const PER_PAGE = 10;
	const MAX_OFFSET = 10000;
	const DEBOUNCE_MS = 250;
	const FIELDS = [
		['per', 'Người'],
		['org', 'Tổ chức'],
		['loc', 'Địa điểm'],
	];
	const FIELD_NAME = Object.fromEntries(FIELDS);
	const ENTITY_TYPES = [
		['PER', 'Người'],
		['ORG', 'Tổ chức'],
		['LOC', 'Địa điểm'],
		['MISC', 'Khác'],
	];
	const ENTITY_NAME = Object.fromEntries(ENTITY_TYPES);
	const FACT_NAME = {DATE: 'Ngày', TIME: 'Giờ', MONEY: 'Tiền', PERCENT: 'Tỉ lệ', QUANTITY: 'Số lượng'};
	const HIST_STEPS = 20; /* bar heights are the classes h0 … h20 of style.css */
	const numberFormat = new Intl.NumberFormat('vi-VN');

	const $ = (id) => document.getElementById(id);
	const ui = {
		form: $('search-form'), q: $('q'), error: $('error'),
		resultsView: $('results-view'), intro: $('intro'), understood: $('understood'), chips: $('chips'),
		count: $('count'), hits: $('hits'), empty: $('empty'), pager: $('pager'),
		dateFrom: $('date-from'), dateTo: $('date-to'), dateClear: $('date-clear'),
		months: $('months'), monthsBars: $('months-bars'), monthsFirst: $('months-first'), monthsLast: $('months-last'),
		docView: $('doc-view'), back: $('back'), docTitle: $('doc-title'), docMeta: $('doc-meta'), docBody: $('doc-body'),
		toFilters: $('to-filters'),
		legend: $('legend'), legendInline: $('legend-inline'), facts: $('facts'), factsNone: $('facts-none'), health: $('health'),
	};

	/* ---------- small DOM helper ---------- */

	/* el('a', {class: 'x', href: '…'}, child, 'text', …): attributes are set with setAttribute,
	 * string children become text nodes. */
	function el(tag, attrs, ...children) {
		const node = document.createElement(tag);
		if (attrs) {
			for (const [k, v] of Object.entries(attrs)) {
				if (v === undefined || v === null || v === false) continue;
				if (k === 'text') node.textContent = v;
				else node.setAttribute(k, v === true ? '' : String(v));
			}
		}
		for (const c of children) {
			if (c === null || c === undefined || c === false) continue;
			node.append(c);
		}
		return node;
	}

	const fmt = (n) => numberFormat.format(n);

	/* ---------- UTF-8 byte offsets → string indices ---------- */

	/* A function that turns a byte offset into the UTF-8 encoding of str into an index into str
	 * (UTF-16 code units). An offset inside a character goes to that character's start; one past
	 * the end goes to the end. */
	function byteIndexer(str) {
		const bytes = new TextEncoder().encode(str).length;
		const map = new Uint32Array(bytes + 1);
		let b = 0, u = 0;
		for (const ch of str) {
			const cp = ch.codePointAt(0);
			const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
			for (let k = 0; k < n && b + k < bytes; k++) map[b + k] = u;
			b += n;
			u += ch.length;
		}
		map[bytes] = str.length;
		return (off) => {
			if (typeof off !== 'number' || !Number.isFinite(off) || off <= 0) return 0;
			return off >= bytes ? str.length : map[Math.floor(off)];
		};
	}

	/* Appends str to node with the byte ranges [[start, end)…] wrapped in <mark>. */
	function appendHighlighted(node, str, ranges) {
		const at = byteIndexer(str);
		let pos = 0;
		for (const r of Array.isArray(ranges) ? ranges : []) {
			if (!Array.isArray(r) || r.length < 2) continue;
			const a = at(r[0]), b = at(r[1]);
			if (a < pos || b <= a) continue; /* out of order or empty: leave it plain */
			if (a > pos) node.append(str.slice(pos, a));
			node.append(el('mark', {text: str.slice(a, b)}));
			pos = b;
		}
		if (pos < str.length) node.append(str.slice(pos));
	}

	/* ---------- state and URL ---------- */

	function blankState() {
		return {q: '', per: [], org: [], loc: [], from: '', to: '', page: 1, doc: null};
	}

	function copyState(s) {
		return {...s, per: [...s.per], org: [...s.org], loc: [...s.loc]};
	}

	/* The state a URL of the page stands for: ?q=…&per=…&date_from=…&page=…&doc=…, or #/doc/ID. */
	function stateOf(href) {
		const u = new URL(href, location.href);
		const p = u.searchParams;
		const s = blankState();
		s.q = p.get('q') || '';
		for (const [f] of FIELDS) s[f] = uniq(p.getAll(f).map((v) => v.trim()).filter(Boolean));
		s.from = (p.get('date_from') || '').trim();
		s.to = (p.get('date_to') || '').trim();
		const page = parseInt(p.get('page') || '1', 10);
		s.page = Number.isFinite(page) && page > 1 ? Math.min(page, maxPage()) : 1;
		s.doc = p.get('doc') || null;
		const m = /^#\/doc\/(.+)$/.exec(u.hash);
		if (m) {
			try { s.doc = decodeURIComponent(m[1]); } catch (e) { s.doc = m[1]; }
		}
		return s;
	}

	function uniq(list) { return [...new Set(list)]; }
	function maxPage() { return Math.floor(MAX_OFFSET / PER_PAGE) + 1; }

	function urlOf(s) {
		const p = new URLSearchParams();
		if (s.q) p.set('q', s.q);
		for (const [f] of FIELDS) for (const v of s[f]) p.append(f, v);
		if (s.from) p.set('date_from', s.from);
		if (s.to) p.set('date_to', s.to);
		if (s.page > 1) p.set('page', String(s.page));
		if (s.doc !== null) p.set('doc', s.doc);
		const qs = p.toString();
		return location.pathname + (qs ? '?' + qs : '');
	}

	const hasFilter = (s) => FIELDS.some(([f]) => s[f].length > 0) || !!s.from || !!s.to;
	const hasSearch = (s) => s.q.trim() !== '' || hasFilter(s);

	let state = blankState();
	let typing = false; /* the current history entry is one being typed into (replaced per keystroke) */

	/* Moves to state next: a new history entry (push) or the current one replaced. */
	function go(next, {push = true, focus = null, fromResults = false} = {}) {
		state = next;
		const url = urlOf(state);
		const here = location.pathname + location.search;
		if (push && url !== here) history.pushState({chu: 1, fromResults}, '', url);
		else if (url !== here || location.hash) history.replaceState({chu: 1}, '', url);
		typing = false;
		render({focus});
	}

	/* ---------- fetching ---------- */

	class ApiError extends Error {
		constructor(message, status) { super(message); this.name = 'ApiError'; this.status = status; }
	}

	async function getJSON(url, signal) {
		let r;
		try {
			r = await fetch(url, {signal, headers: {Accept: 'application/json'}});
		} catch (e) {
			if (e && e.name === 'AbortError') throw e;
			throw new ApiError('Không kết nối được với máy chủ.', 0);
		}
		let body = null;
		try { body = await r.json(); } catch (e) {
			if (e && e.name === 'AbortError') throw e;
		}
		if (!r.ok) {
			const msg = body && typeof body.error === 'string' && body.error ? body.error : 'máy chủ trả lời ' + r.status;
			throw new ApiError(msg, r.status);
		}
		if (body === null || typeof body !== 'object') throw new ApiError('Máy chủ trả lời không phải JSON.', r.status);
		return body;
	}

	function showError(message, status) {
		const what = status === 400 ? 'Không hiểu yêu cầu: ' : status === 404 ? 'Không tìm thấy: '
			: status === 503 ? 'Máy chủ đang bận, xin thử lại sau: ' : status >= 500 ? 'Lỗi máy chủ: ' : 'Lỗi: ';
		ui.error.replaceChildren(el('strong', {text: what}), message);
		ui.error.hidden = false;
	}
	function clearError() { ui.error.hidden = true; ui.error.replaceChildren(); }

	/* ---------- searching ---------- */

	let searchSeq = 0;        /* the number of the newest search; older answers are dropped */
	let searchCtl = null;     /* aborts the search in flight */
	let debounceTimer = 0;
	const cache = new Map();  /* API url → answer, for going back and forth in history */

	function searchURL(s, limit = PER_PAGE) {
		const p = new URLSearchParams();
		if (s.q.trim()) p.set('q', s.q.trim());
		p.set('limit', String(limit));
		p.set('offset', String((s.page - 1) * PER_PAGE));
		for (const [f] of FIELDS) for (const v of s[f]) p.append(f, v);
		if (s.from) p.set('date_from', s.from);
		if (s.to) p.set('date_to', s.to);
		return 'api/search?' + p.toString();
	}

	function cancelSearch() {
		clearTimeout(debounceTimer);
		searchSeq++;
		if (searchCtl) searchCtl.abort();
		searchCtl = null;
		setBusy(false);
	}

	function setBusy(on) {
		ui.resultsView.classList.toggle('busy', on);
		ui.resultsView.setAttribute('aria-busy', on ? 'true' : 'false');
	}

	async function runSearch({fromCache = false, focus = null} = {}) {
		cancelSearch();
		const s = copyState(state);
		const url = searchURL(s);
		/* with a date range, the histogram shows the months of the search without it, so that
		 * other months stay in view to be clicked */
		const wide = s.from || s.to ? searchURL({...s, from: '', to: '', page: 1}, 1) : null;
		if (fromCache && cache.has(url) && (!wide || cache.has(wide))) {
			showResults(cache.get(url), s, focus, wide ? cache.get(wide).months : null);
			return;
		}
		const mine = searchSeq;
		const ctl = new AbortController();
		searchCtl = ctl;
		setBusy(true);
		const remember = (u, d) => {
			cache.set(u, d);
			while (cache.size > 50) cache.delete(cache.keys().next().value);
			return d;
		};
		try {
			const [data, context] = await Promise.all([
				getJSON(url, ctl.signal),
				wide ? getJSON(wide, ctl.signal).then((d) => remember(wide, d), () => null) : null,
			]);
			if (mine !== searchSeq) return; /* a newer search was started meanwhile */
			remember(url, data);
			clearError();
			showResults(data, s, focus, context && Array.isArray(context.months) ? context.months : null);
		} catch (e) {
			if (mine !== searchSeq || (e && e.name === 'AbortError')) return;
			showError(e.message || String(e), e.status);
			clearResults();
			ui.intro.hidden = true;
			ui.count.textContent = '';
		} finally {
			if (mine === searchSeq) { setBusy(false); searchCtl = null; }
		}
	}

	function clearResults() {
		ui.toFilters.hidden = true;
		ui.hits.replaceChildren();
		ui.pager.hidden = true;
		ui.pager.replaceChildren();
		ui.empty.hidden = true;
		ui.understood.hidden = true;
		ui.understood.replaceChildren();
		for (const [f] of FIELDS) renderFacet(f, []);
		renderMonths([]);
	}

	/* The query with each plain word written "=word": taken as written, without marks. Phrases
	 * in quotes, fields (per:…), exclusions and operators are left as they are. */
	function exactQuery(q) {
		return (q.match(/"[^"]*"?|\S+/g) || []).map((w) => {
			if (w === '' || w.startsWith('=') || /^(OR|AND|NOT)$/.test(w)) return w;
			if (!/^[\p{L}\p{N}]/u.test(w) || w.includes(':')) return w;
			return '=' + w;
		}).join(' ');
	}

	function showResults(data, s, focus, contextMonths) {
		ui.intro.hidden = true;
		const total = Number.isFinite(data.total) ? data.total : 0;
		const hits = Array.isArray(data.hits) ? data.hits : [];

		/* "kết quả cho: hà nội — tìm chính xác: ha noi" */
		const likely = data.understood && typeof data.understood.likely === 'string' ? data.understood.likely : null;
		const asked = typeof data.q === 'string' ? data.q : s.q.trim();
		if (likely && likely.trim() !== '' && likely.normalize('NFC') !== asked.normalize('NFC')) {
			const exact = {...copyState(s), q: exactQuery(asked), page: 1};
			ui.understood.replaceChildren(
				'Kết quả cho: ', el('strong', {class: 'likely', text: likely}),
				el('span', {class: 'sep', 'aria-hidden': 'true', text: ' — '}),
				'tìm chính xác: ', el('a', {href: urlOf(exact), class: 'exact-link', 'data-nav': true, text: asked}));
			ui.understood.hidden = false;
		} else {
			ui.understood.hidden = true;
			ui.understood.replaceChildren();
		}

		const pages = Math.max(1, Math.ceil(Math.min(total, MAX_OFFSET + PER_PAGE) / PER_PAGE));
		let line = fmt(total) + ' kết quả';
		if (total > 0 && pages > 1) line += ' · trang ' + fmt(s.page) + '/' + fmt(pages);
		ui.count.textContent = line;
		ui.toFilters.hidden = total === 0;

		ui.hits.replaceChildren(...hits.map((h, i) => renderHit(h, s, (s.page - 1) * PER_PAGE + i + 1)));
		ui.hits.setAttribute('start', String((s.page - 1) * PER_PAGE + 1));
		ui.empty.hidden = hits.length > 0;
		renderPager(s, pages, total);

		const facets = data.facets && typeof data.facets === 'object' ? data.facets : {};
		for (const [f] of FIELDS) renderFacet(f, Array.isArray(facets[f]) ? facets[f] : []);
		renderMonths(contextMonths || (Array.isArray(data.months) ? data.months : []));

		/* a page past the last one (an old bookmark): the last page instead */
		if (!hits.length && total > 0 && s.page > pages) {
			go({...copyState(s), page: pages}, {push: false});
			return;
		}

		if (focus === 'count') ui.count.focus({preventScroll: true});
	}

	function formatDate(d) {
		if (typeof d !== 'string') return '';
		let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
		if (m) return Number(m[3]) + '/' + Number(m[2]) + '/' + m[1];
		m = /^(\d{4})-(\d{2})$/.exec(d);
		if (m) return 'tháng ' + Number(m[2]) + '/' + m[1];
		return d;
	}

	function renderHit(h, s, n) {
		const id = h.id === undefined || h.id === null ? '' : String(h.id);
		const title = typeof h.title === 'string' && h.title.trim() ? h.title : id || '(không có tiêu đề)';
		const link = el('a', {class: 'hit-title', href: urlOf({...copyState(s), doc: id}), 'data-doc': id, text: title});
		const meta = el('p', {class: 'hit-meta'});
		const parts = [];
		if (h.date) parts.push(el('time', {datetime: h.date, text: formatDate(h.date)}));
		if (h.source) parts.push(el('span', {class: 'hit-source', title: h.source, text: String(h.source).replace(/^.*\//, '')}));
		parts.push(el('span', {class: 'hit-id', text: id}));
		if (h.exact === false) {
			parts.push(el('span', {class: 'badge', title: 'Bài này viết khác với từ đã gõ (khác dấu)', text: 'cách viết khác'}));
		}
		parts.forEach((p, i) => { if (i) meta.append(el('span', {class: 'dot', 'aria-hidden': 'true', text: '·'})); meta.append(p); });
		const snippet = el('p', {class: 'snippet'});
		if (typeof h.snippet === 'string') appendHighlighted(snippet, h.snippet, h.highlights);
		return el('li', {class: 'hit', 'data-id': id, value: n}, el('h2', {class: 'hit-heading'}, link), meta, snippet);
	}

	function renderPager(s, pages, total) {
		ui.pager.replaceChildren();
		if (total <= PER_PAGE || pages <= 1) { ui.pager.hidden = true; return; }
		ui.pager.hidden = false;
		const cur = Math.min(s.page, pages);
		const pageLink = (p, label, cls, aria) => el('a', {
			class: cls, href: urlOf({...copyState(s), page: p, doc: null}), 'data-page': p, 'data-nav': true,
			'aria-label': aria, text: label,
		});
		const list = el('ul', {class: 'pager-list'});
		list.append(el('li', null, cur > 1
			? pageLink(cur - 1, '‹ Trước', 'pager-prev', 'Trang trước')
			: el('span', {class: 'pager-prev disabled', 'aria-hidden': 'true', text: '‹ Trước'})));
		const shown = new Set([1, pages]);
		for (let p = cur - 2; p <= cur + 2; p++) if (p >= 1 && p <= pages) shown.add(p);
		let last = 0;
		for (const p of [...shown].sort((a, b) => a - b)) {
			if (p > last + 1) list.append(el('li', {class: 'gap', 'aria-hidden': 'true', text: '…'}));
			if (p === cur) list.append(el('li', null, el('a', {class: 'pager-num current', href: urlOf({...copyState(s), page: p, doc: null}), 'aria-current': 'page', 'aria-label': 'Trang ' + p + ', trang hiện tại', text: String(p)})));
			else list.append(el('li', null, pageLink(p, String(p), 'pager-num', 'Trang ' + p)));
			last = p;
		}
		list.append(el('li', null, cur < pages
			? pageLink(cur + 1, 'Sau ›', 'pager-next', 'Trang sau')
			: el('span', {class: 'pager-next disabled', 'aria-hidden': 'true', text: 'Sau ›'})));
		ui.pager.append(list);
	}

	/* ---------- facets and chips ---------- */

	function renderFacet(field, items) {
		const panel = $('facet-' + field);
		const list = panel.querySelector('.facet-list');
		list.replaceChildren();
		const active = new Set(state[field]);
		for (const it of items) {
			if (!it || typeof it.text !== 'string' || it.text === '') continue;
			const on = active.has(it.text);
			const btn = el('button', {
				type: 'button', class: 'facet-btn' + (on ? ' on' : ''), 'aria-pressed': on ? 'true' : 'false',
				'data-field': field, 'data-value': it.text,
				title: on ? 'Bỏ lọc ' + FIELD_NAME[field] + ': ' + it.text : 'Chỉ xem bài có ' + it.text,
			}, el('span', {class: 'facet-name', text: it.text}), el('span', {class: 'facet-count', text: fmt(it.count || 0)}));
			list.append(el('li', null, btn));
		}
		panel.hidden = list.children.length === 0;
	}

	function toggleFilter(field, value) {
		const next = copyState(state);
		const i = next[field].indexOf(value);
		if (i >= 0) next[field].splice(i, 1); else next[field].push(value);
		next.page = 1;
		next.doc = null;
		go(next);
	}

	function renderChips() {
		const chips = [];
		for (const [f, label] of FIELDS) {
			for (const v of state[f]) {
				const neg = v.startsWith('-') && v.length > 1;
				const shown = neg ? v.slice(1) : v;
				chips.push(chip(label + (neg ? ' (trừ)' : ''), shown, neg, {field: f, value: v}));
			}
		}
		if (state.from || state.to) {
			const range = (state.from ? formatDate(state.from) : '…') + ' – ' + (state.to ? formatDate(state.to) : '…');
			chips.push(chip('Thời gian', range, false, {field: 'date', value: ''}));
		}
		ui.chips.replaceChildren();
		if (!chips.length) { ui.chips.hidden = true; return; }
		const list = el('ul', {class: 'chip-list', 'aria-label': 'Bộ lọc đang dùng'}, ...chips);
		ui.chips.append(list);
		if (chips.length > 1) {
			ui.chips.append(el('button', {type: 'button', class: 'link-button clear-all', 'data-clear-all': true, text: 'Bỏ mọi bộ lọc'}));
		}
		ui.chips.hidden = false;
	}

	function chip(label, value, neg, data) {
		return el('li', {class: 'chip' + (neg ? ' chip-neg' : ''), 'data-field': data.field, 'data-value': data.value},
			el('span', {class: 'chip-label', text: label + ':'}), ' ',
			el('span', {class: 'chip-value', text: value}),
			el('button', {
				type: 'button', class: 'chip-x', 'data-field': data.field, 'data-value': data.value,
				'aria-label': 'Bỏ lọc ' + label + ': ' + value, title: 'Bỏ bộ lọc này', text: '×',
			}));
	}

	function removeChip(field, value, button) {
		/* keep the keyboard where it was: the next chip's ×, or the search box */
		const buttons = [...ui.chips.querySelectorAll('.chip-x')];
		const i = buttons.indexOf(button);
		const next = copyState(state);
		if (field === 'date') { next.from = ''; next.to = ''; } else next[field] = next[field].filter((v) => v !== value);
		next.page = 1;
		go(next, {focus: {chipIndex: i}});
	}

	/* ---------- dates and the month histogram ---------- */

	/* A date the API takes (YYYY, YYYY-MM, YYYY-MM-DD) as a value for <input type=date>. */
	function inputDate(v, end) {
		let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
		if (m) return v;
		m = /^(\d{4})-(\d{2})$/.exec(v);
		if (m) return end ? m[1] + '-' + m[2] + '-' + pad(lastDay(+m[1], +m[2])) : v + '-01';
		m = /^(\d{4})$/.exec(v);
		if (m) return end ? v + '-12-31' : v + '-01-01';
		return '';
	}
	const pad = (n) => String(n).padStart(2, '0');
	const lastDay = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

	function renderDates() {
		ui.dateFrom.value = inputDate(state.from, false);
		ui.dateTo.value = inputDate(state.to, true);
		ui.dateClear.hidden = !(state.from || state.to);
	}

	function setDates(from, to) {
		const next = copyState(state);
		next.from = from;
		next.to = to;
		next.page = 1;
		next.doc = null;
		go(next);
	}

	/* months: [{month: "YYYY-MM", count}], ascending. Empty months between are drawn as gaps; a
	 * span of more than ten years is drawn by year instead. */
	function renderMonths(months) {
		const valid = months.filter((m) => m && /^\d{4}-\d{2}$/.test(m.month) && m.count > 0);
		ui.monthsBars.replaceChildren();
		if (!valid.length) { ui.months.hidden = true; return; }
		const counts = new Map(valid.map((m) => [m.month, m.count]));
		const [y0, m0] = valid[0].month.split('-').map(Number);
		const [y1, m1] = valid[valid.length - 1].month.split('-').map(Number);
		const span = (y1 - y0) * 12 + (m1 - m0) + 1;
		const buckets = [];
		if (span <= 120) {
			for (let i = 0; i < span; i++) {
				const y = y0 + Math.floor((m0 - 1 + i) / 12), m = ((m0 - 1 + i) % 12) + 1;
				const key = y + '-' + pad(m);
				buckets.push({key, label: 'tháng ' + m + '/' + y, short: m + '/' + y, count: counts.get(key) || 0,
					from: key + '-01', to: key + '-' + pad(lastDay(y, m))});
			}
		} else {
			const years = new Map();
			for (const m of valid) { const y = m.month.slice(0, 4); years.set(y, (years.get(y) || 0) + m.count); }
			for (let y = y0; y <= y1; y++) {
				buckets.push({key: String(y), label: 'năm ' + y, short: String(y), count: years.get(String(y)) || 0,
					from: y + '-01-01', to: y + '-12-31'});
			}
		}
		const max = Math.max(...buckets.map((b) => b.count));
		const from = inputDate(state.from, false), to = inputDate(state.to, true);
		let tabbable = null;
		for (const b of buckets) {
			const on = b.from === from && b.to === to;
			const inside = !!(from || to) && (!from || b.from >= from) && (!to || b.to <= to);
			const h = b.count ? Math.max(1, Math.round((b.count / max) * HIST_STEPS)) : 0;
			const bar = el('button', {
				type: 'button', class: 'bar' + (on ? ' on' : '') + (inside ? ' in' : '') + (b.count ? '' : ' zero'),
				'data-from': b.from, 'data-to': b.to, 'data-month': b.key, tabindex: '-1',
				'aria-pressed': on ? 'true' : 'false',
				'aria-label': b.label + ': ' + fmt(b.count) + ' kết quả', title: b.label + ': ' + fmt(b.count) + ' kết quả',
			}, el('span', {class: 'fill h' + h}));
			if (on || (!tabbable && b.count)) tabbable = bar;
			ui.monthsBars.append(bar);
		}
		(tabbable || ui.monthsBars.firstChild).setAttribute('tabindex', '0');
		ui.monthsFirst.textContent = buckets[0].short;
		ui.monthsLast.textContent = buckets.length > 1 ? buckets[buckets.length - 1].short : '';
		ui.months.hidden = false;
	}

	/* ---------- the document view ---------- */

	let docSeq = 0;
	let docCtl = null;
	let shownDoc = null; /* id of the document on the page */

	async function showDoc(id) {
		cancelSearch();
		ui.resultsView.hidden = true;
		ui.docView.hidden = false;
		const back = {...copyState(state), doc: null};
		ui.back.setAttribute('href', urlOf(back));
		ui.back.textContent = hasSearch(back) ? '← Quay lại kết quả' : '← Trang tìm kiếm';
		if (shownDoc === id) return;
		const mine = ++docSeq;
		if (docCtl) docCtl.abort();
		docCtl = new AbortController();
		ui.docTitle.textContent = 'Đang tải…';
		ui.docMeta.replaceChildren();
		ui.docBody.replaceChildren();
		ui.legend.replaceChildren();
		ui.facts.replaceChildren();
		ui.factsNone.hidden = true;
		window.scrollTo(0, 0);
		try {
			const d = await getJSON('api/doc/' + encodeURIComponent(id), docCtl.signal);
			if (mine !== docSeq) return;
			clearError();
			renderDoc(d, id);
			shownDoc = id;
		} catch (e) {
			if (mine !== docSeq || (e && e.name === 'AbortError')) return;
			ui.docTitle.textContent = e.status === 404 ? 'Không có bài viết này' : 'Không mở được bài viết';
			showError(e.message || String(e), e.status);
			document.title = 'Lỗi — chu';
		}
	}

	/* Builds the text [from, to) of str with spans [{a, b, node()}] (string indices, in order, not
	 * overlapping) into a list of nodes; with paragraphs, every run of line ends starts a new <p>. */
	function richText(str, from, to, spans, paragraphs) {
		const out = [];
		let cur = paragraphs ? el('p') : null;
		const add = (n) => (cur ? cur.append(n) : out.push(n));
		const plain = (s) => {
			if (!paragraphs) { if (s) add(s); return; }
			const parts = s.split(/\n+/);
			parts.forEach((part, i) => {
				if (i > 0) { if (cur.childNodes.length) out.push(cur); cur = el('p'); }
				if (part) add(i > 0 ? part.replace(/^\s+/, '') : part);
			});
		};
		let pos = from;
		for (const sp of spans) {
			if (sp.a < pos || sp.b > to || sp.b <= sp.a) continue;
			plain(str.slice(pos, sp.a));
			add(sp.node(str.slice(sp.a, sp.b)));
			pos = sp.b;
		}
		plain(str.slice(pos, to));
		if (cur && cur.childNodes.length) out.push(cur);
		return out;
	}

	function renderDoc(d, id) {
		const text = typeof d.text === 'string' ? d.text : '';
		const at = byteIndexer(text);
		let bodyStart = Number.isFinite(d.body_start) ? at(d.body_start) : 0;
		const ents = (Array.isArray(d.entities) ? d.entities : [])
			.filter((e) => e && Number.isFinite(e.start) && Number.isFinite(e.end) && typeof e.type === 'string')
			.map((e) => ({type: e.type, a: at(e.start), b: at(e.end)}))
			.filter((e) => e.b > e.a)
			.sort((x, y) => x.a - y.a || y.b - x.b);

		const counts = {};
		const facts = new Map(); /* "TYPE\ttext" → {type, text, id} in order of first mention */
		let nFact = 0;
		const spans = ents.map((e) => {
			if (ENTITY_NAME[e.type]) {
				return {a: e.a, b: e.b, node: (s) => {
					counts[e.type] = (counts[e.type] || 0) + 1;
					return el('span', {class: 'ent ent-' + e.type, 'data-type': e.type, title: ENTITY_NAME[e.type], text: s});
				}};
			}
			if (FACT_NAME[e.type]) {
				return {a: e.a, b: e.b, node: (s) => {
					const key = e.type + '\t' + s;
					let f = facts.get(key);
					if (!f) { f = {type: e.type, text: s, id: 'fact-' + (++nFact), n: 0}; facts.set(key, f); }
					f.n++;
					return el('span', {class: 'fact fact-' + e.type, 'data-type': e.type, id: f.n === 1 ? f.id : null, text: s});
				}};
			}
			return {a: e.a, b: e.b, node: (s) => s};
		});

		/* the title is the text up to body_start (without its line end), annotated like the body */
		let titleEnd = bodyStart;
		while (titleEnd > 0 && /[\r\n]/.test(text[titleEnd - 1])) titleEnd--;
		const titleNodes = richText(text, 0, titleEnd, spans, false);
		const title = typeof d.title === 'string' && d.title.trim() ? d.title : String(d.id || id);
		if (titleNodes.length && text.slice(0, titleEnd).trim()) ui.docTitle.replaceChildren(...titleNodes);
		else ui.docTitle.textContent = title;
		if (bodyStart > text.length) bodyStart = text.length;
		ui.docBody.replaceChildren(...richText(text, bodyStart, text.length, spans, true));
		if (!ui.docBody.childNodes.length) ui.docBody.append(el('p', {class: 'muted', text: 'Bài viết không có nội dung.'}));

		ui.docMeta.replaceChildren();
		const meta = (label, value) => ui.docMeta.append(el('div', {class: 'meta-row'}, el('dt', {text: label}), el('dd', null, value)));
		if (d.date) meta('Ngày', el('time', {datetime: d.date, text: formatDate(d.date)}));
		if (d.url) {
			meta('Nguồn', /^https?:\/\//i.test(d.url)
				? el('a', {href: d.url, rel: 'noopener noreferrer nofollow', class: 'doc-url', text: d.url})
				: el('span', {class: 'doc-url', text: d.url}));
		}
		if (d.source) meta('Tệp', el('span', {class: 'doc-source', text: d.source}));
		meta('Mã', el('span', {class: 'doc-id', text: String(d.id !== undefined ? d.id : id)}));

		ui.legend.replaceChildren(...ENTITY_TYPES.map(([t, name]) => el('li', {class: 'legend-item'},
			el('span', {class: 'swatch swatch-' + t, 'aria-hidden': 'true', text: t}), ' ',
			el('span', {class: 'legend-name', text: name}),
			el('span', {class: 'legend-count', text: fmt(counts[t] || 0)}))));

		ui.legendInline.replaceChildren(...ENTITY_TYPES.filter(([t]) => counts[t]).map(([t, name]) =>
			el('li', null, el('span', {class: 'swatch swatch-' + t, text: t}), ' ' + name)));
		ui.legendInline.hidden = !ui.legendInline.childNodes.length;

		ui.facts.replaceChildren(...[...facts.values()].map((f) => el('li', {class: 'fact-item', 'data-type': f.type},
			el('span', {class: 'fact-kind', text: FACT_NAME[f.type]}),
			el('button', {type: 'button', class: 'fact-go', 'data-target': f.id, title: 'Xem trong bài', text: f.text}),
			f.n > 1 ? el('span', {class: 'fact-n', text: '×' + f.n}) : null)));
		ui.factsNone.hidden = facts.size > 0;
		document.title = title + ' — chu';
	}

	/* ---------- rendering the state ---------- */

	function render({fromCache = false, focus = null} = {}) {
		if (!typing && ui.q.value !== state.q) ui.q.value = state.q;
		if (state.doc !== null) {
			showDoc(state.doc);
			return;
		}
		shownDoc = null;
		if (docCtl) { docCtl.abort(); docCtl = null; docSeq++; }
		ui.docView.hidden = true;
		ui.resultsView.hidden = false;
		renderChips();
		renderDates();
		if (focus && focus.chipIndex !== undefined) {
			const xs = ui.chips.querySelectorAll('.chip-x');
			(xs[Math.min(focus.chipIndex, xs.length - 1)] || ui.q).focus();
		}
		document.title = state.q.trim() ? state.q.trim() + ' — chu' : 'chu — tìm kiếm';
		if (!hasSearch(state)) {
			cancelSearch();
			clearError();
			clearResults();
			ui.count.textContent = '';
			ui.intro.hidden = false;
			return;
		}
		runSearch({fromCache, focus: focus === 'count' ? 'count' : null});
	}

	/* ---------- events ---------- */

	ui.q.addEventListener('input', () => {
		const next = copyState(state);
		next.q = ui.q.value;
		next.page = 1;
		next.doc = null;
		state = next;
		const url = urlOf(state);
		if (!typing) { history.pushState({chu: 1}, '', url); typing = true; } else history.replaceState({chu: 1}, '', url);
		if (!ui.docView.hidden) { ui.docView.hidden = true; ui.resultsView.hidden = false; shownDoc = null; }
		clearTimeout(debounceTimer);
		if (!hasSearch(state)) { render(); return; }
		debounceTimer = setTimeout(render, DEBOUNCE_MS);
	});

	ui.form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		clearTimeout(debounceTimer);
		const next = copyState(state);
		next.q = ui.q.value;
		next.page = 1;
		next.doc = null;
		go(next, {push: !typing});
	});

	ui.q.addEventListener('keydown', (ev) => {
		if (ev.key === 'Escape') {
			ev.preventDefault();
			if (ui.q.value === '') return;
			ui.q.value = '';
			const next = copyState(state);
			next.q = '';
			next.page = 1;
			go(next);
		}
	});

	/* "/" anywhere outside a field jumps to the search box */
	document.addEventListener('keydown', (ev) => {
		if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
		const t = ev.target;
		if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
		ev.preventDefault();
		ui.q.focus();
		ui.q.select();
	});

	const plainClick = (ev) => ev.button === 0 && !ev.metaKey && !ev.ctrlKey && !ev.shiftKey && !ev.altKey;

	document.addEventListener('click', (ev) => {
		const t = ev.target instanceof Element ? ev.target : null;
		if (!t) return;
		const a = t.closest('a');
		if (a && plainClick(ev)) {
			if (a.classList.contains('hit-title')) {
				ev.preventDefault();
				/* marked, so that "back" returns to the results where they were */
				go({...copyState(state), doc: a.dataset.doc}, {fromResults: true});
				return;
			}
			if (a === ui.back) {
				ev.preventDefault();
				if (history.state && history.state.fromResults) history.back();
				else go(stateOf(a.getAttribute('href')));
				return;
			}
			if (a.id === 'home') {
				ev.preventDefault();
				go(blankState(), {focus: null});
				ui.q.focus();
				return;
			}
			if (a.classList.contains('skip')) {
				ev.preventDefault();
				$('main').focus();
				return;
			}
			if (a.hasAttribute('data-nav')) {
				ev.preventDefault();
				const next = stateOf(a.getAttribute('href'));
				go(next, {focus: a.hasAttribute('data-page') ? 'count' : null});
				if (a.hasAttribute('data-page')) ui.resultsView.scrollIntoView({block: 'start'});
				return;
			}
		}
		const fb = t.closest('.facet-btn');
		if (fb) { toggleFilter(fb.dataset.field, fb.dataset.value); return; }
		const x = t.closest('.chip-x');
		if (x) { removeChip(x.dataset.field, x.dataset.value, x); return; }
		if (t.closest('[data-clear-all]')) { go({...blankState(), q: state.q}); ui.q.focus(); return; }
		const bar = t.closest('.bar');
		if (bar) {
			if (bar.classList.contains('on')) setDates('', '');
			else setDates(bar.dataset.from, bar.dataset.to);
			return;
		}
		const fg = t.closest('.fact-go');
		if (fg) {
			const target = document.getElementById(fg.dataset.target);
			if (target) {
				target.scrollIntoView({block: 'center', behavior: 'smooth'});
				target.classList.remove('flash');
				void target.offsetWidth; /* restart the animation */
				target.classList.add('flash');
			}
		}
	});

	/* arrow keys move between the histogram's bars (one tab stop for all of them) */
	ui.monthsBars.addEventListener('keydown', (ev) => {
		const bars = [...ui.monthsBars.querySelectorAll('.bar')];
		const i = bars.indexOf(document.activeElement);
		if (i < 0) return;
		let j = i;
		if (ev.key === 'ArrowRight' || ev.key === 'ArrowUp') j = Math.min(bars.length - 1, i + 1);
		else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowDown') j = Math.max(0, i - 1);
		else if (ev.key === 'Home') j = 0;
		else if (ev.key === 'End') j = bars.length - 1;
		else return;
		ev.preventDefault();
		bars[i].setAttribute('tabindex', '-1');
		bars[j].setAttribute('tabindex', '0');
		bars[j].focus();
	});

	function onDateChange() {
		const f = ui.dateFrom.value, t = ui.dateTo.value;
		if (f === inputDate(state.from, false) && t === inputDate(state.to, true)) return;
		setDates(f, t);
	}
	ui.dateFrom.addEventListener('change', onDateChange);
	ui.dateTo.addEventListener('change', onDateChange);
	ui.dateClear.addEventListener('click', () => setDates('', ''));
	ui.toFilters.addEventListener('click', () => {
		$('filters').scrollIntoView({block: 'start'});
		ui.dateFrom.focus({preventScroll: true});
	});

	window.addEventListener('popstate', () => {
		typing = false;
		state = stateOf(location.href);
		ui.q.value = state.q;
		render({fromCache: true});
	});

	/* ---------- start ---------- */

	function start() {
		state = stateOf(location.href);
		/* "#/doc/ID" is read, then written as "?doc=ID" */
		const url = urlOf(state);
		if (location.hash || url !== location.pathname + location.search) history.replaceState({chu: 1}, '', url);
		ui.q.value = state.q;
		render();
		if (!hasSearch(state) && state.doc === null) ui.q.focus();
		getJSON('api/health').then((h) => {
			if (h && Number.isFinite(h.documents)) {
				ui.health.textContent = '· chỉ mục: ' + fmt(h.documents) + ' bài viết' + (h.version ? ' · phiên bản ' + h.version : '');
			}
		}).catch(() => {});
	}

	start();
})();
