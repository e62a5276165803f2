#!/bin/sh
# The search page in a real browser (tests/browser.js): Debian's Chromium driven by playwright-core,
# which this script installs from npm into $BUILD/npm (no browser download), against chu serve on a
# free loopback port over an index of examples/; the server is stopped after. Screenshots go to
# $BUILD/screenshots/. Skipped with a message without chromium, node or npm.
: "${CHU:=build/chu}" "${BUILD:=build}"
skip() { echo "skip browser: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "no $chromium (apt-get install chromium)"
command -v node >/dev/null && command -v npm >/dev/null || skip "no node or npm"
npmdir="$BUILD/npm"
if [ ! -f "$npmdir/node_modules/playwright-core/package.json" ]; then
	mkdir -p "$npmdir"
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$npmdir" --no-audit --no-fund --loglevel=error \
		playwright-core@1 >"$npmdir/install.log" 2>&1 ||
		{ echo "FAIL browser: npm install playwright-core: $(tail -n 3 "$npmdir/install.log")"; echo "0 passed, 1 failed"; exit 1; }
fi
work=$(mktemp -d)
pid=""
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$work"' EXIT
"$CHU" index "$work/ex.db" examples/ >"$work/index.log" 2>&1 ||
	{ echo "FAIL browser: chu index examples/: $(tail -n 3 "$work/index.log")"; echo "0 passed, 1 failed"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CHU" serve "$work/ex.db" --host 127.0.0.1 --port "$port" --threads 2 2>"$work/serve.log" &
pid=$!
i=0
until grep -q "serving" "$work/serve.log" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "FAIL browser: chu serve did not start: $(tail -n 3 "$work/serve.log")"; echo "0 passed, 1 failed"; exit 1
	fi
	sleep 0.1
done
mkdir -p "$BUILD/screenshots"
BASE="http://127.0.0.1:$port" SHOTS="$BUILD/screenshots" CHROMIUM="$chromium" NODE_PATH="$npmdir/node_modules" \
	node tests/browser.js
