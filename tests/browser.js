// The search page in Chromium (run by tests/browser.sh): node tests/browser.js BASE-URL.
// Every check compares what the page shows with what the API answers for the same request,
// fetched here from node. Prints "ok - …" or "not ok - …" per check; exits 1 on any failure.
// Environment: CHROMIUM (the browser), SHOTS (a directory for screenshots, optional).
'use strict';
const {chromium} = require('playwright-core');
const path = require('path');

const base = (process.argv[2] || '').replace(/\/?$/, '/');
const shots = process.env.SHOTS || '';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 8000;
let passed = 0, failed = 0;

function check(name, cond, detail) {
	if (cond) { passed++; console.log('ok - ' + name); } else { failed++; console.log('not ok - ' + name + (detail ? ': ' + detail : '')); }
	return !!cond;
}
function skip(name, why) { passed++; console.log('ok - ' + name + ' # skip ' + why); }
async function step(name, fn) {
	try { await fn(); } catch (e) { check(name, false, String(e && e.message || e).split('\n')[0]); }
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const show = (v) => JSON.stringify(v).slice(0, 300);

/* ---------- the API, from node ---------- */

async function api(p) {
	const r = await fetch(new URL(p.replace(/^\//, ''), base));
	let body = null;
	try { body = await r.json(); } catch (e) { /* not JSON */ }
	return {status: r.status, body, headers: r.headers};
}
function searchPath(q, extra = {}, offset = 0) {
	const p = new URLSearchParams();
	if (q) p.set('q', q);
	p.set('limit', '10');
	p.set('offset', String(offset));
	for (const [k, v] of Object.entries(extra)) for (const x of [].concat(v)) p.append(k, x);
	return '/api/search?' + p;
}
async function search(q, extra, offset) {
	const r = await api(searchPath(q, extra, offset));
	if (r.status !== 200) throw new Error('GET ' + searchPath(q, extra, offset) + ': ' + r.status + ' ' + show(r.body));
	return r.body;
}
const ids = (res) => res.hits.map((h) => String(h.id));
const bytesSlice = (s, a, b) => Buffer.from(s, 'utf8').subarray(a, b).toString('utf8');
const norm = (s) => String(s).replace(/\s+/g, ' ').trim();
const totalLine = (n) => new Intl.NumberFormat('vi-VN').format(n) + ' kết quả';

/* ---------- the page ---------- */

async function pageIds(page) {
	return page.$$eval('#hits .hit', (els) => els.map((e) => e.dataset.id));
}
/* waits until the page shows exactly these hits, not busy; false after WAIT ms */
async function waitIds(page, want) {
	try {
		await page.waitForFunction((w) => {
			const v = document.getElementById('results-view');
			const got = [...document.querySelectorAll('#hits .hit')].map((e) => e.dataset.id);
			return !v.hidden && !v.classList.contains('busy') && JSON.stringify(got) === w;
		}, JSON.stringify(want), {timeout: WAIT});
		return true;
	} catch (e) {
		return false;
	}
}
async function countText(page) { return norm(await page.textContent('#count')); }
async function chips(page) {
	return page.$$eval('#chips .chip', (els) => els.map((e) => e.dataset.field + ':' + e.dataset.value));
}
async function docShown(page) {
	await page.waitForFunction(() => !document.getElementById('doc-view').hidden &&
		document.getElementById('doc-title').textContent !== 'Đang tải…' &&
		document.getElementById('error').hidden, null, {timeout: WAIT});
}
async function shot(page, name) {
	if (shots) await page.screenshot({path: path.join(shots, name), fullPage: true});
}
const paramsOf = (page) => new URL(page.url()).searchParams;

/* checks the results on the page against the API's answer res */
async function checkResults(page, what, res) {
	const ok = await waitIds(page, ids(res));
	check(what + ': the hits of the API, in its order', ok, ok ? '' : 'page ' + show(await pageIds(page)) + ', API ' + show(ids(res)));
	const line = await countText(page);
	check(what + ': the count line says "' + totalLine(res.total) + '"', line.startsWith(totalLine(res.total)), line);
	return ok;
}

/* the document view of id against /api/doc/id */
async function checkDoc(page, id, what) {
	const r = await api('/api/doc/' + encodeURIComponent(id));
	if (!check(what + ': /api/doc answers 200', r.status === 200, r.status + ' ' + show(r.body))) return;
	const d = r.body;
	const coloured = ['PER', 'ORG', 'LOC', 'MISC'], facts = ['DATE', 'TIME', 'MONEY', 'PERCENT', 'QUANTITY'];
	const want = d.entities.filter((e) => coloured.includes(e.type)).map((e) => e.type + '\t' + e.text).sort();
	const spans = await page.$$eval('#doc-view span.ent', (els) => els.map((e) => ({
		type: e.dataset.type, cls: e.className, text: e.textContent})));
	const got = spans.map((s) => s.type + '\t' + s.text).sort();
	check(what + ': the coloured spans are the PER/ORG/LOC/MISC entities of /api/doc (' + want.length + ')',
		same([...new Set(got)].sort(), [...new Set(want)].sort()) && got.length === want.length,
		'page ' + show(got) + ' API ' + show(want));
	check(what + ': each span is <span class="ent ent-TYPE" data-type="TYPE">',
		spans.every((s) => s.cls.split(' ').includes('ent-' + s.type) && coloured.includes(s.type)), show(spans.slice(0, 3)));
	const sliced = d.entities.filter((e) => coloured.includes(e.type)).every((e) => bytesSlice(d.text, e.start, e.end) === e.text);
	check(what + ': (the API\'s entity texts are their byte ranges of text)', sliced);
	const wantFacts = [...new Set(d.entities.filter((e) => facts.includes(e.type)).map((e) => e.type + '\t' + e.text))].sort();
	const gotFacts = (await page.$$eval('#facts .fact-item', (els) => els.map((e) =>
		e.dataset.type + '\t' + e.querySelector('.fact-go').textContent))).sort();
	check(what + ': the dates and amounts beside it are its DATE/TIME/MONEY/PERCENT/QUANTITY entities',
		same(gotFacts, wantFacts), 'page ' + show(gotFacts) + ' API ' + show(wantFacts));
	const body = norm(bytesSlice(d.text, d.body_start));
	const shownBody = norm(await page.$$eval('#doc-body p', (ps) => ps.map((p) => p.textContent).join(' ')));
	check(what + ': the body is text from body_start', shownBody === body, 'page ' + show(shownBody.slice(0, 80)) + ' API ' + show(body.slice(0, 80)));
	const title = norm(await page.textContent('#doc-title'));
	check(what + ': the title is the document\'s', title === norm(d.title || bytesSlice(d.text, 0, d.body_start)), title);
	if (d.url) {
		const shownUrl = await page.$eval('#doc-meta', (m) => m.textContent);
		check(what + ': the url is shown', shownUrl.includes(d.url));
	}
	const tags = await page.$$eval('#doc-view img, #doc-view script, #doc-view b', (els) => els.length);
	check(what + ': no markup from the API became elements', tags === 0, tags + ' elements');
}

(async () => {
	if (!/^https?:\/\//.test(base)) { console.log('not ok - usage: node tests/browser.js BASE-URL'); process.exit(2); }
	const browser = await chromium.launch({executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage']});
	const context = await browser.newContext({viewport: {width: 1280, height: 900}, locale: 'vi-VN'});
	const page = await context.newPage();
	const problems = [], dialogs = [], searches = [];
	page.on('console', (m) => {
		/* a 4xx the page asked for on purpose is logged as "Failed to load resource"; anything else is a fault */
		if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
	});
	page.on('pageerror', (e) => problems.push(String(e)));
	page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
	page.on('request', (r) => { if (r.url().includes('/api/search')) searches.push({url: r.url(), t: Date.now()}); });

	const Q = 'ha noi';
	let first = null; /* /api/search for Q */

	await step('the page and its files', async () => {
		const r = await page.goto(base);
		check('GET / answers 200 with the page', r.status() === 200 && (await page.title()).includes('chu'), r.status());
		const csp = r.headers()['content-security-policy'] || '';
		check('GET / carries the Content-Security-Policy', /default-src 'self'/.test(csp) && /script-src 'self'/.test(csp) && !/unsafe/.test(csp), csp);
		check('GET / is text/html', /^text\/html/.test(r.headers()['content-type'] || ''), r.headers()['content-type']);
		const types = {'app.js': /^(text|application)\/javascript/, 'style.css': /^text\/css/, 'favicon.svg': /^image\/svg\+xml/};
		for (const [f, type] of Object.entries(types)) {
			const a = await api('/' + f);
			const ct = a.headers.get('content-type') || '';
			check('GET /' + f + ' answers 200, ' + ct + ', with the CSP', a.status === 200 && type.test(ct) &&
				/default-src 'self'/.test(a.headers.get('content-security-policy') || ''), a.status + ' ' + ct);
		}
		const none = await api('/api/no-such-path');
		check('GET /api/no-such-path answers 404 with {"error"}', none.status === 404 && none.body && typeof none.body.error === 'string', none.status);
		check('the search box has the focus on an empty page', await page.evaluate(() => document.activeElement.id === 'q'));
	});

	await step('typing an accent-less query', async () => {
		first = await search(Q);
		const before = searches.length;
		await page.click('#q');
		await page.keyboard.type(Q, {delay: 60});
		await checkResults(page, 'typing "' + Q + '"', first);
		check('typing "' + Q + '" sends one request after the pause, not one per key', searches.length - before <= 2,
			(searches.length - before) + ' requests');
		check('the URL holds q', paramsOf(page).get('q') === Q, page.url());
		check('the API has hits for "' + Q + '"', first.total > 0 && first.hits.length > 0, 'total ' + first.total);

		const shown = await page.$$eval('#hits .hit', (els) => els.map((e) => ({
			title: e.querySelector('.hit-title').textContent,
			snippet: e.querySelector('.snippet').textContent,
			marks: [...e.querySelectorAll('.snippet mark')].map((m) => m.textContent),
			badge: !!e.querySelector('.badge'),
			href: e.querySelector('.hit-title').getAttribute('href'),
		})));
		const marks = shown.reduce((n, h) => n + h.marks.length, 0);
		check('snippets have highlighted <mark> elements', marks > 0, marks + ' marks');
		const wantMarks = first.hits.map((h) => (h.highlights || []).map(([a, b]) => bytesSlice(h.snippet, a, b)));
		check('each <mark> is a highlights byte range of its snippet', same(shown.map((h) => h.marks), wantMarks),
			'page ' + show(shown.map((h) => h.marks)) + ' API ' + show(wantMarks));
		check('snippets are the API\'s plain text', same(shown.map((h) => h.snippet), first.hits.map((h) => h.snippet || '')));
		check('titles are the API\'s text, markup and all', same(shown.map((h) => h.title), first.hits.map((h) => h.title || String(h.id))),
			show(shown.map((h) => h.title)));
		check('"cách viết khác" exactly on the hits with exact false', same(shown.map((h) => h.badge), first.hits.map((h) => h.exact === false)));
		check('no markup from the API became elements in the results',
			await page.$$eval('#hits img, #hits script, #hits b', (els) => els.length === 0));
		check('titles link to the document view', shown.every((h, i) => new URL(h.href, base).searchParams.get('doc') === String(first.hits[i].id)));

		const likely = first.understood && first.understood.likely;
		const line = await page.$eval('#understood', (e) => (e.hidden ? null : e.textContent));
		if (likely && likely !== Q) {
			check('"kết quả cho: ' + likely + ' — tìm chính xác: ' + Q + '"', line !== null &&
				norm(line) === norm('Kết quả cho: ' + likely + ' — tìm chính xác: ' + Q), show(line));
			const href = await page.getAttribute('#understood a.exact-link', 'href');
			check('"tìm chính xác" links to the query with every word "="', new URL(href, base).searchParams.get('q') === '=ha =noi', href);
		} else {
			check('no "kết quả cho" line when the API has no other likely spelling (' + show(likely) + ')', line === null, show(line));
		}
	});

	await step('markup in the API\'s text stays text', async () => {
		const res = await search('dam ngoac');
		if (!res.hits.some((h) => h.id === 'web-kho')) { skip('markup in a title', 'web-kho not found by "dam ngoac"'); return; }
		await page.fill('#q', 'dam ngoac');
		await checkResults(page, '"dam ngoac"', res);
		const titles = await page.$$eval('#hits .hit-title', (as) => as.map((a) => a.textContent));
		check('a title full of markup is shown as written', same(titles, res.hits.map((h) => h.title)), show(titles));
		check('and none of it became elements', await page.$$eval('#hits img, #hits b, #hits script', (els) => els.length === 0));
		const marks = await page.$$eval('#hits .snippet mark', (ms) => ms.map((m) => m.textContent));
		const want = res.hits.flatMap((h) => (h.highlights || []).map(([a, b]) => bytesSlice(h.snippet, a, b)));
		check('highlights after emoji and other non-BMP characters', want.length > 0 && same(marks, want), 'page ' + show(marks) + ' API ' + show(want));
	});

	await step('Enter searches at once', async () => {
		await page.fill('#q', '');
		await page.keyboard.press('Escape');
		await page.click('#q');
		const req = page.waitForRequest((r) => r.url().includes('/api/search') && new URL(r.url()).searchParams.get('q') === 'noi', {timeout: 200});
		await page.keyboard.type('noi');
		await page.keyboard.press('Enter');
		const ok = await req.then(() => true, () => false);
		check('Enter sends the search before the 250 ms pause', ok);
		await checkResults(page, 'Enter on "noi"', await search('noi'));
	});

	await step('stale answers are dropped', async () => {
		await page.goto(base);
		/* the answer for "ha" comes late, and is one no search has: if the page took it, it would
		 * show 999.999 hits */
		let held = 0;
		await page.route('**/api/search?*', async (route) => {
			const q = new URL(route.request().url()).searchParams.get('q');
			try {
				if (q !== 'ha') { await route.continue(); return; }
				held++;
				await new Promise((r) => setTimeout(r, 1500));
				await route.fulfill({json: {...first, q: 'ha', total: 999999, hits: first.hits.slice(0, 1)}});
			} catch (e) { /* aborted by the page meanwhile */ }
		});
		await page.click('#q');
		await page.keyboard.type('ha');
		await page.waitForTimeout(450); /* the search for "ha" is on its way, held back */
		await page.keyboard.type(' noi');
		await checkResults(page, 'a slow answer for "ha" overtaken by "ha noi"', first);
		await page.waitForTimeout(1600);
		check('the slow answer for "ha" did not replace the results', held === 1 && same(await pageIds(page), ids(first)) &&
			(await countText(page)).startsWith(totalLine(first.total)), 'held ' + held + ', page ' + show(await pageIds(page)));
		await page.unroute('**/api/search?*');
	});

	await step('paging', async () => {
		if (first.total <= 10) { skip('paging', 'only ' + first.total + ' hits'); return; }
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		await page.click('#pager a.pager-next');
		const second = await search(Q, {}, 10);
		await checkResults(page, '"sau" (page 2)', second);
		check('page 2 is in the URL', paramsOf(page).get('page') === '2', page.url());
		check('the pager marks page 2 as current', (await page.textContent('#pager [aria-current="page"]')).trim() === '2');
		await page.goBack();
		await checkResults(page, 'back from page 2', first);
		await page.click('#pager a.pager-num[data-page="2"]');
		await checkResults(page, 'the page number 2', second);
		await page.click('#pager a.pager-prev');
		await checkResults(page, '"trước" (page 1)', first);
	});

	await step('the exact link', async () => {
		const likely = first.understood && first.understood.likely;
		if (!likely || likely === Q) { skip('"tìm chính xác"', 'no likely spelling'); return; }
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		await page.click('#understood a.exact-link');
		await checkResults(page, '"tìm chính xác"', await search('=ha =noi'));
		check('"tìm chính xác" puts "=ha =noi" in the box', (await page.inputValue('#q')) === '=ha =noi');
		await page.goBack();
		await checkResults(page, 'back from "tìm chính xác"', first);
		check('back puts "' + Q + '" in the box again', (await page.inputValue('#q')) === Q);
	});

	let filtered = null, filterState = null;
	await step('facets and chips', async () => {
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		const facetOf = async (f) => page.$$eval('#facet-' + f + ' .facet-btn', (bs) => bs.map((b) => b.dataset.value));
		let field = null;
		for (const f of ['per', 'loc', 'org']) if ((await facetOf(f)).length) { field = f; break; }
		if (!check('there is a person, place or organization to click', field !== null, show(first.facets))) return;
		const apiFacet = first.facets[field].map((x) => x.text);
		check('the ' + field + ' facet lists what the API counts', same(await facetOf(field), apiFacet), show(apiFacet));
		const value = apiFacet[0];
		await page.click('#facet-' + field + ' .facet-btn >> nth=0');
		filtered = await search(Q, {[field]: value});
		await checkResults(page, 'after clicking ' + field + ' "' + value + '"', filtered);
		check('a chip for ' + field + ' "' + value + '" appears', same(await chips(page), [field + ':' + value]), show(await chips(page)));
		check('the total drops or stays (' + first.total + ' → ' + filtered.total + ')', filtered.total <= first.total);
		check('the filter is in the URL', same(paramsOf(page).getAll(field), [value]), page.url());
		check('the facet shows as chosen', (await page.getAttribute('#facet-' + field + ' .facet-btn[data-value="' + value.replace(/"/g, '\\"') + '"]', 'aria-pressed')) === 'true');

		/* a second filter of another kind combines with the first */
		let field2 = null, value2 = null;
		for (const f of ['loc', 'org', 'per']) {
			if (f === field) continue;
			const vs = filtered.facets[f].map((x) => x.text);
			if (vs.length) { field2 = f; value2 = vs[0]; break; }
		}
		if (field2) {
			await page.click('#facet-' + field2 + ' .facet-btn >> nth=0');
			const both = await search(Q, {[field]: value, [field2]: value2});
			await checkResults(page, 'two filters (' + field + ', ' + field2 + ')', both);
			check('two chips', same(await chips(page), [field + ':' + value, field2 + ':' + value2].sort((a, b) =>
				['per', 'org', 'loc'].indexOf(a.split(':')[0]) - ['per', 'org', 'loc'].indexOf(b.split(':')[0]))), show(await chips(page)));
			filterState = {field, value, field2, value2, both};
		} else {
			skip('two filters', 'no second kind of entity among the filtered hits');
			filterState = {field, value, both: filtered};
		}
		await shot(page, 'results-filters-1280.png');
	});

	await step('reload keeps the state', async () => {
		if (!filterState) return;
		const url = page.url();
		await page.reload();
		await checkResults(page, 'after a reload', filterState.both);
		check('the reload has the same URL, box and chips', page.url() === url && (await page.inputValue('#q')) === Q &&
			(await chips(page)).length === (filterState.field2 ? 2 : 1), page.url());
	});

	await step('a chip removed with the keyboard', async () => {
		if (!filterState) return;
		await page.focus('#chips .chip-x >> nth=0');
		await page.keyboard.press('Enter');
		if (filterState.field2) {
			await checkResults(page, 'after removing the first chip', await search(Q, {[filterState.field2]: filterState.value2}));
			check('one chip is left', same(await chips(page), [filterState.field2 + ':' + filterState.value2]), show(await chips(page)));
			check('the focus stays on a chip\'s ×', await page.evaluate(() => document.activeElement.classList.contains('chip-x')));
			await page.keyboard.press('Space');
		}
		await checkResults(page, 'after removing every chip', first);
		check('no chips are left', (await chips(page)).length === 0);
	});

	await step('dates and the month histogram', async () => {
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		const months = (first.months || []).filter((m) => m.count > 0);
		if (!months.length) { skip('the month histogram', 'no dated hits'); } else {
			const bars = await page.$$eval('#months-bars .bar:not(.zero)', (bs) => bs.map((b) => b.dataset.month));
			check('a bar for each month with hits', same(bars, months.map((m) => m.month)), show(bars));
			const m = months[0].month, [y, mo] = m.split('-').map(Number);
			const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
			await page.click('#months-bars .bar[data-month="' + m + '"]');
			const from = m + '-01', to = m + '-' + String(last).padStart(2, '0');
			const res = await search(Q, {date_from: from, date_to: to});
			await checkResults(page, 'clicking the bar of ' + m, res);
			check('the bar sets the date range ' + from + ' – ' + to, (await page.inputValue('#date-from')) === from &&
				(await page.inputValue('#date-to')) === to && paramsOf(page).get('date_from') === from && paramsOf(page).get('date_to') === to,
				page.url());
			check('the month\'s hits are all of that month', res.hits.every((h) => (h.date || '').startsWith(m)) && res.total === months[0].count,
				res.total + ' hits, ' + months[0].count + ' counted');
			check('a chip shows the date range', (await chips(page)).some((c) => c.startsWith('date:')));
			check('the bar shows as chosen, the other months stay', (await page.getAttribute('#months-bars .bar[data-month="' + m + '"]', 'aria-pressed')) === 'true' &&
				(await page.$$eval('#months-bars .bar:not(.zero)', (bs) => bs.length)) === months.length);
			await shot(page, 'results-month-1280.png');
			await page.click('#date-clear');
			await checkResults(page, 'after "bỏ lọc thời gian"', first);
		}
		await page.fill('#date-from', '2023-04-01');
		await page.fill('#date-to', '2023-06-30');
		await page.locator('#date-to').dispatchEvent('change');
		const res = await search(Q, {date_from: '2023-04-01', date_to: '2023-06-30'});
		await checkResults(page, 'the date inputs 2023-04-01 – 2023-06-30', res);
		check('the date range is in the URL', paramsOf(page).get('date_from') === '2023-04-01' && paramsOf(page).get('date_to') === '2023-06-30', page.url());
	});

	await step('Escape clears the box', async () => {
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		await page.focus('#q');
		await page.keyboard.press('Escape');
		check('Escape empties the box and the URL', (await page.inputValue('#q')) === '' && !paramsOf(page).has('q'), page.url());
		check('an empty box shows no hits', (await pageIds(page)).length === 0);
		await page.goBack();
		await checkResults(page, 'back after Escape', first);
	});

	await step('keyboard', async () => {
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		await page.click('#count');
		await page.keyboard.press('/');
		check('"/" jumps to the search box', await page.evaluate(() => document.activeElement.id === 'q'));
		let found = null;
		for (let i = 0; i < 80 && !found; i++) {
			await page.keyboard.press('Tab');
			found = await page.evaluate(() => {
				const a = document.activeElement;
				if (!a || !a.classList.contains('facet-btn')) return null;
				return getComputedStyle(a).outlineStyle;
			});
		}
		check('Tab reaches a facet and shows a focus ring', found && found !== 'none', String(found));
		if (found) {
			await page.keyboard.press('Enter');
			await page.waitForSelector('#chips .chip');
			check('Enter on a facet adds its chip', (await chips(page)).length === 1);
		}
	});

	let docId = null;
	await step('the document view', async () => {
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		docId = String(first.hits[0].id);
		await page.click('#hits .hit-title >> nth=0');
		await docShown(page);
		check('a title opens the document view, with doc in the URL', paramsOf(page).get('doc') === docId, page.url());
		await checkDoc(page, docId, 'document ' + docId);
		await shot(page, 'doc-1280.png');
		await page.reload();
		await docShown(page);
		await checkDoc(page, docId, 'document ' + docId + ' reloaded');
		await page.click('#back');
		await checkResults(page, 'the back link', first);
		check('the back link leaves the document out of the URL', !paramsOf(page).has('doc') && paramsOf(page).get('q') === Q, page.url());
		await page.goForward();
		await docShown(page);
		check('forward opens the document again', paramsOf(page).get('doc') === docId);
		await page.goto(base + '#/doc/' + encodeURIComponent(docId));
		await docShown(page);
		check('#/doc/ID opens the document too', (await page.$$eval('#doc-body p', (ps) => ps.length)) > 0 && paramsOf(page).get('doc') === docId, page.url());
		const kho = await api('/api/doc/web-kho');
		if (kho.status === 200) {
			await page.goto(base + '?doc=web-kho');
			await docShown(page);
			await checkDoc(page, 'web-kho', 'a document with markup and emoji');
		}
	});

	await step('errors from the API are shown', async () => {
		const missing = 'khong-co-bai-nay-' + Date.now();
		const r = await api('/api/doc/' + missing);
		check('/api/doc of an unknown id answers 404 with {"error"}', r.status === 404 && r.body && typeof r.body.error === 'string', r.status + ' ' + show(r.body));
		await page.goto(base + '?doc=' + encodeURIComponent(missing));
		await page.waitForSelector('#error:not([hidden])', {timeout: WAIT});
		const shown = norm(await page.textContent('#error'));
		check('the page shows the error of an unknown document', r.body && shown.includes(norm(r.body.error)), shown);
		let bad = null;
		for (const q of ['vd:x', '"ha noi', 'NOT']) {
			const a = await api(searchPath(q));
			if (a.status === 400 && a.body && a.body.error) { bad = {q, error: a.body.error}; break; }
		}
		if (!bad) { skip('a bad query\'s error', 'the API took every query tried'); return; }
		await page.goto(base);
		await page.click('#q');
		await page.keyboard.type(bad.q);
		await page.waitForSelector('#error:not([hidden])', {timeout: WAIT});
		const e = norm(await page.textContent('#error'));
		check('the page shows the 400 error of the query ' + bad.q, e.includes(norm(bad.error)), e);
		await page.fill('#q', Q);
		await checkResults(page, 'a good query after a bad one', first);
		check('the error goes away', await page.$eval('#error', (x) => x.hidden));
	});

	await step('360 px wide', async () => {
		await page.setViewportSize({width: 360, height: 740});
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		let w = await page.evaluate(() => document.documentElement.scrollWidth);
		check('the results fit 360 px (scrollWidth ' + w + ')', w <= 360);
		await shot(page, 'results-360.png');
		const doc = (await api('/api/doc/web-kho')).status === 200 ? 'web-kho' : docId;
		if (doc) {
			await page.goto(base + '?q=' + encodeURIComponent(Q) + '&doc=' + encodeURIComponent(doc));
			await docShown(page);
			w = await page.evaluate(() => document.documentElement.scrollWidth);
			check('the document view fits 360 px (scrollWidth ' + w + ')', w <= 360);
			await shot(page, 'doc-360.png');
		}
		await page.goto(base);
		w = await page.evaluate(() => document.documentElement.scrollWidth);
		check('the empty page fits 360 px (scrollWidth ' + w + ')', w <= 360);
		await page.setViewportSize({width: 1280, height: 900});
		await page.goto(base + '?q=' + encodeURIComponent(Q));
		await waitIds(page, ids(first));
		await shot(page, 'results-1280.png');
	});

	check('no script errors or CSP violations in the console', problems.length === 0, show(problems));
	check('no dialog was opened (no markup from the API ran)', dialogs.length === 0, show(dialogs));
	await browser.close();
	console.log('# ' + passed + ' ok, ' + failed + ' not ok');
	process.exit(failed ? 1 : 0);
})().catch((e) => {
	console.log('not ok - the browser test stopped: ' + String(e && e.stack || e).split('\n').slice(0, 3).join(' | '));
	process.exit(1);
});
