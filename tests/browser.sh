#!/bin/sh
# The search page (web/) in a real browser: playwright-core (installed with npm into $BUILD/npm,
# no browser download) drives Debian's Chromium against `chu serve` on an index of examples/ and
# a few made-up articles (dated, for paging and the month histogram; one full of markup, emoji and
# an unbreakable word). tests/browser.js prints "ok - …" / "not ok - …" per check; the end is
# "N passed, N failed" like the other suites. Screenshots go to $BUILD/screenshots/.
# Skipped with a message when there is no Chromium, node or npm, or npm cannot install.
# Environment: CHU (the command under test), BUILD (the build directory), CHROMIUM (the browser).
: "${CHU:=build/chu}"
: "${BUILD:=build}"
: "${CHROMIUM:=/usr/bin/chromium}"
skip() { echo "skip: browser: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
die() { echo "FAIL browser.sh: $*"; echo "0 passed, 1 failed"; exit 1; }

[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM"
command -v node >/dev/null || skip "no node"
command -v npm >/dev/null || skip "no npm"
command -v python3 >/dev/null || skip "no python3 (to pick a free port)"

tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

npmdir="$BUILD/npm"
if [ ! -f "$npmdir/node_modules/playwright-core/package.json" ]; then
	mkdir -p "$npmdir"
	if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$npmdir" --no-audit --no-fund --loglevel=error \
		playwright-core@1 >"$tmp/npm.log" 2>&1; then
		skip "npm could not install playwright-core: $(tail -n 3 "$tmp/npm.log" | tr '\n' ' ')"
	fi
fi

# Made-up articles beside examples/: a dozen dated ones that all mention Hà Nội (more than a page
# of hits, several months, three people), and one whose title is markup, whose text puts emoji and
# other characters outside the BMP before its entities, and whose URL and one word cannot break.
i=1
for m in 01 02 02 03 04 04 04 05 06 08 09 11; do
	case $((i % 3)) in
	0) who="Nguyễn Văn An" ;;
	1) who="Trần Thị Bình" ;;
	*) who="Lê Minh Châu" ;;
	esac
	d=$((i + 10))
	printf '{"id":"web-%02d","title":"Hà Nội mở rộng mạng lưới y tế cơ sở, đợt %d","date":"2023-%s-%02d","url":"https://tin.example.vn/y-te/web-%02d.html","text":"Ngày %d/%d/2023, bà %s, Giám đốc Sở Y tế Hà Nội, cho biết thành phố dành %d tỷ đồng để nâng cấp %d trạm y tế. Ông Phạm Quang Huy, Bệnh viện Bạch Mai, nói khoảng %d%% người dân Hà Nội đã được khám sàng lọc."}\n' \
		"$i" "$i" "$m" "$d" "$i" "$d" "${m#0}" "$who" $((i * 5)) $((i + 3)) $((i + 40)) >>"$tmp/web.jsonl"
	i=$((i + 1))
done
printf '%s\n' '{"id":"web-kho","title":"<img src=x onerror=alert(1)> Hà Nội 😀 <b>đậm</b> & \"ngoặc\"","date":"2024-02-29","url":"https://tin.example.vn/ha-noi/<script>alert(1)</script>/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.html","text":"😀😀 𝐓𝐞𝐱𝐭 đứng trước chữ đậm trong ngoặc: sáng 29/2/2024 tại Hà Nội, bà Đặng Thu Thảo, Chủ tịch Hội Liên hiệp Phụ nữ Việt Nam, nói về <script>alert(1)</script> và 1.500 cuốn sách. Từ rất dài: Khôngcókhoảngtrắngnàotrongtừnàycảkhôngcókhoảngtrắngnàotrongtừnàycảkhôngcókhoảngtrắngnào."}' >>"$tmp/web.jsonl"

"$CHU" index "$tmp/ex.db" examples/ "$tmp/web.jsonl" >"$tmp/index.log" 2>&1 ||
	die "chu index failed: $(tail -n 5 "$tmp/index.log")"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	die "no free port"
"$CHU" serve "$tmp/ex.db" --host 127.0.0.1 --port "$port" 2>"$tmp/serve.log" &
pid=$!
n=0
until grep -q "^chu: serving .* at http://127.0.0.1:$port/" "$tmp/serve.log" 2>/dev/null; do
	if ! kill -0 "$pid" 2>/dev/null; then pid=; die "chu serve exited: $(tail -n 5 "$tmp/serve.log")"; fi
	n=$((n + 1))
	[ "$n" -gt 100 ] && die "chu serve did not say it was serving within 10 s: $(tail -n 5 "$tmp/serve.log")"
	sleep 0.1
done

mkdir -p "$BUILD/screenshots"
NODE_PATH="$npmdir/node_modules" CHROMIUM="$CHROMIUM" SHOTS="$BUILD/screenshots" \
	node tests/browser.js "http://127.0.0.1:$port/" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
pass=$(grep -c '^ok - ' "$tmp/out")
fail=$(grep -c '^not ok - ' "$tmp/out")
grep '^not ok - ' "$tmp/out" | sed 's/^not ok - /FAIL browser.sh: /'
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	echo "FAIL browser.sh: tests/browser.js exited $rc"; fail=1
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
