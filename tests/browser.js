// The search page in a real browser: Debian's Chromium driven by playwright-core, against chu serve
// on BASE (tests/browser.sh starts it). Prints "ok - …" / "FAIL browser: …" and "N passed, N failed";
// screenshots go to SHOTS.
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");

const BASE = process.env.BASE;
const SHOTS = process.env.SHOTS;
let passed = 0, failed = 0;

function check(cond, what, detail) {
  if (cond) {
    passed++;
    console.log("ok - " + what);
  } else {
    failed++;
    console.log("FAIL browser: " + what + (detail !== undefined ? ": " + JSON.stringify(detail).slice(0, 300) : ""));
  }
  return cond;
}

async function api(p) {
  const r = await fetch(BASE + p);
  return r.json();
}

async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const external = [], cspErrors = [], pageErrors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
    const page = await context.newPage();
    page.on("request", (r) => { if (!r.url().startsWith(BASE)) external.push(r.url()); });
    page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    page.on("pageerror", (e) => pageErrors.push(String(e)));

    await page.goto(BASE + "/");
    check(await page.locator("#q").evaluate((e) => e === document.activeElement), "the search box has the focus");

    // an accent-less query, typed
    await page.locator("#q").pressSequentially("quang nam", { delay: 30 });
    await page.waitForSelector("#hits li mark", { timeout: 10000 });
    const marks = await page.locator("#hits li mark").allTextContents();
    check(marks.length > 0 && marks.every((m) => /qu[aả]ng|n[aă]m/i.test(m.normalize("NFC"))),
      "typing an accent-less query shows highlighted hits", marks.slice(0, 5));
    const und = await page.locator("#understood").textContent();
    check(/kết quả cho:/.test(und) && /tìm chính xác:/.test(und), "the page says what an unmarked query matched", und);
    check(new URL(page.url()).searchParams.get("q") === "quang nam", "the URL holds the query", page.url());
    const before = await api("/api/search?q=quang%20nam&limit=10");
    const shown = await page.locator("#hits li a.title").evaluateAll((as) => as.map((a) => a.dataset.doc));
    check(JSON.stringify(shown) === JSON.stringify(before.hits.map((h) => h.id)), "the hits are the API's", shown);
    await page.screenshot({ path: path.join(SHOTS, "results-1280.png"), fullPage: true });

    // a facet narrows the hits and shows as a removable chip
    const facet = page.locator("#facet-per .facet-item").first();
    const name = await facet.getAttribute("data-text");
    await facet.click();
    await page.waitForSelector("#chips .chip");
    await page.waitForFunction((n) => new URL(location.href).searchParams.getAll("per").includes(n), name);
    await page.waitForTimeout(300);
    const narrowed = await api("/api/search?q=quang%20nam&limit=10&per=" + encodeURIComponent(name));
    const status = await page.locator("#status").textContent();
    check(narrowed.total <= before.total && status.startsWith(narrowed.total.toLocaleString("vi-VN") + " kết quả"),
      "clicking a person narrows the hits to the API's count", { name, status, total: narrowed.total, was: before.total });
    const ids = await page.locator("#hits li a.title").evaluateAll((as) => as.map((a) => a.dataset.doc));
    check(JSON.stringify(ids) === JSON.stringify(narrowed.hits.map((h) => h.id)), "the narrowed hits are the API's", ids);
    check((await page.locator("#chips .chip").textContent()).includes(name), "the filter shows as a chip");
    await page.screenshot({ path: path.join(SHOTS, "facet-1280.png"), fullPage: true });

    // reloading the URL gives the same page
    await page.reload();
    await page.waitForSelector("#chips .chip");
    await page.waitForSelector("#hits li");
    const again = await page.locator("#hits li a.title").evaluateAll((as) => as.map((a) => a.dataset.doc));
    check(JSON.stringify(again) === JSON.stringify(ids) && (await page.locator("#q").inputValue()) === "quang nam",
      "a reloaded URL shows the same search", again);

    // the chip's × removes the filter (with the keyboard)
    await page.locator("#chips .chip .remove").focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => !document.querySelector("#chips .chip"));
    check(!new URL(page.url()).searchParams.get("per"), "the chip's × removes the filter");

    // the month histogram and date range
    await page.waitForSelector("#histogram svg .bar");
    const bars = await page.locator("#histogram .bar").count();
    const months = (await api("/api/search?q=quang%20nam&limit=10")).months;
    const span = (m) => { const [y, mo] = m.split("-").map(Number); return y * 12 + mo; };
    const wantBars = span(months[months.length - 1].month) - span(months[0].month) + 1;
    check(bars === wantBars && bars > 1, "one histogram bar a month, first to last", { bars, wantBars });
    await page.locator("#histogram .bar").first().click();
    await page.waitForFunction((m) => new URL(location.href).searchParams.get("from") === m, months[0].month);
    await page.waitForTimeout(300);
    const inMonth = await api(`/api/search?q=quang%20nam&limit=10&date_from=${months[0].month}&date_to=${months[0].month}`);
    const st2 = await page.locator("#status").textContent();
    check(inMonth.total === months[0].count && st2.startsWith(inMonth.total.toLocaleString("vi-VN") + " "),
      "a bar filters to its month", { st2, month: months[0] });
    await page.locator("#chips .chip .remove").click();
    await page.waitForFunction(() => !new URL(location.href).searchParams.get("from"));

    // a document: its coloured entities are the API's
    await page.waitForSelector("#hits li a.title");
    const first = await page.locator("#hits li a.title").first().getAttribute("data-doc");
    await page.locator("#hits li a.title").first().click();
    await page.waitForSelector("#doc-body .ent");
    const doc = await api("/api/doc/" + encodeURIComponent(first));
    const coloured = await page.locator("#doc-body .ent").evaluateAll((es) =>
      es.map((e) => e.dataset.type + ":" + e.textContent));
    const enc = new TextEncoder(), dec = new TextDecoder();
    const bytes = enc.encode(doc.text);
    const want = doc.entities.filter((e) => e.start >= doc.body_start)
      .map((e) => e.type + ":" + dec.decode(bytes.slice(e.start, e.end)));
    check(JSON.stringify(coloured) === JSON.stringify(want), "the document's coloured entities are the API's",
      { coloured: coloured.slice(0, 6), want: want.slice(0, 6) });
    check(coloured.some((c) => /^(PER|ORG|LOC):/.test(c)), "people, organizations or places are coloured");
    const colours = await page.locator("#doc-body .ent-PER, #doc-body .ent-LOC").evaluateAll((es) =>
      [...new Set(es.map((e) => getComputedStyle(e).backgroundColor))]);
    check(colours.length >= 1 && !colours.includes("rgba(0, 0, 0, 0)"), "entities have a background colour", colours);
    const facts = await page.locator("#doc-facts li").allTextContents();
    const wantFacts = doc.entities.filter((e) => ["DATE", "TIME", "MONEY", "PERCENT", "QUANTITY"].includes(e.type));
    check(facts.length === Math.max(1, wantFacts.length), "the dates and amounts it mentions are listed", facts);
    check(new URL(page.url()).searchParams.get("doc") === first, "the URL names the document");
    await page.screenshot({ path: path.join(SHOTS, "document-1280.png"), fullPage: true });

    // back to the results with the browser's back button
    await page.goBack();
    await page.waitForSelector("#results-view:not([hidden]) #hits li");
    check(!new URL(page.url()).searchParams.get("doc"), "back returns to the results");

    // a phone-sized window: nothing overflows
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForTimeout(200);
    check(await overflow(page) <= 0, "at 360 px the results do not overflow", await overflow(page));
    await page.screenshot({ path: path.join(SHOTS, "results-360.png"), fullPage: true });
    await page.locator("#hits li a.title").first().click();
    await page.waitForSelector("#doc-body .ent");
    check(await overflow(page) <= 0, "at 360 px the document does not overflow", await overflow(page));
    await page.screenshot({ path: path.join(SHOTS, "document-360.png"), fullPage: true });

    // the keyboard: / focuses the box, Escape clears it, Enter searches
    await page.goto(BASE + "/?q=" + encodeURIComponent("Hà Nội"));
    await page.waitForSelector("#hits li");
    await page.locator("body").click({ position: { x: 5, y: 400 } });
    await page.keyboard.press("/");
    check(await page.locator("#q").evaluate((e) => e === document.activeElement), "/ focuses the search box");
    await page.keyboard.press("Escape");
    check((await page.locator("#q").inputValue()) === "", "Escape clears the search box");
    await page.keyboard.type("Đà Nẵng");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => new URL(location.href).searchParams.get("q") === "Đà Nẵng");
    await page.waitForSelector("#hits li, #status");
    check(true, "Enter searches");
    // an error from the API is shown in the page
    await page.goto(BASE + "/?q=" + encodeURIComponent('"unbalanced'));
    await page.waitForSelector("#error:not([hidden])");
    check(/Không tìm được/.test(await page.locator("#error").textContent()), "an API error is shown");

    check(external.length === 0, "the page asks nothing of another server", external);
    check(cspErrors.length === 0, "no Content-Security-Policy violation", cspErrors);
    check(pageErrors.length === 0, "no script error", pageErrors);
  } catch (e) {
    check(false, "the browser test ran to its end", String(e && e.stack || e));
  } finally {
    await browser.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
