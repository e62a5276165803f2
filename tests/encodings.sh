#!/bin/sh
# chu norm --from=auto decides a document's encoding from strong evidence only: every seed article,
# 1,000 Wikipedia paragraphs and 1,000 news articles (plain UTF-8) come out byte-identical to plain
# chu norm; UTF-16 with a byte order mark is converted, and a legacy document is still detected.
# The data checks need ../shared/data (skipped with a message when absent).
# Prints "N passed, N failed, N skipped".
: "${CHU:=build/chu}"
: "${CHU_DATA:=../shared/data}"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL encodings.sh: $*"; }

# each document as a file of its own: --from=auto decides per file
same_as_plain() { # same_as_plain WHAT FILE…
	what=$1; shift
	"$CHU" norm "$@" >"$tmp/plain" 2>"$tmp/err1"
	"$CHU" norm --from=auto "$@" >"$tmp/auto" 2>"$tmp/err2"
	if cmp -s "$tmp/plain" "$tmp/auto" && [ -s "$tmp/plain" ]; then ok; else
		bad "$what: --from=auto changed the text: $(cmp "$tmp/plain" "$tmp/auto" 2>&1 | head -c 200) $(head -c 200 "$tmp/err2")"
	fi
}
split_docs() { # split_docs DIR N FIELD < JSONL: the first N records' FIELD, one file each
	python3 -c 'import sys, json, os
d, n, field = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(d, exist_ok=True)
i = 0
for line in sys.stdin:
	text = json.loads(line).get(field) or ""
	for k, para in enumerate(text.split("\n\n") if field == "text" and "wiki" in d else [text]):
		if not para.strip() or i >= n: continue
		open(os.path.join(d, "%05d.txt" % i), "w", encoding="utf-8").write(para.strip() + "\n")
		i += 1
	if i >= n: break' "$@"
}
if [ -d "$CHU_DATA/seeds" ]; then
	same_as_plain "seed articles" "$CHU_DATA"/seeds/*.txt
	for f in "$CHU_DATA"/seeds/*.txt; do same_as_plain "$(basename "$f")" "$f"; done
else
	echo "skip: $CHU_DATA/seeds is absent"; skip=$((skip + 1))
fi
if [ -r "$CHU_DATA/corpus/viwiki.jsonl.gz" ]; then
	gzip -dc "$CHU_DATA/corpus/viwiki.jsonl.gz" 2>/dev/null | head -n 400 | split_docs "$tmp/wiki" 1000 text
	[ "$(ls "$tmp/wiki" | wc -l)" -eq 1000 ] && ok || bad "1,000 Wikipedia paragraphs: only $(ls "$tmp/wiki" | wc -l)"
	same_as_plain "Wikipedia paragraphs" "$tmp"/wiki/*.txt
else
	echo "skip: $CHU_DATA/corpus is absent"; skip=$((skip + 1))
fi
if [ -r "$CHU_DATA/news/vietnews.jsonl.gz" ]; then
	gzip -dc "$CHU_DATA/news/vietnews.jsonl.gz" 2>/dev/null | head -n 1000 | split_docs "$tmp/news" 1000 text
	same_as_plain "news articles" "$tmp"/news/*.txt
else
	echo "skip: $CHU_DATA/news is absent"; skip=$((skip + 1))
fi

# UTF-16 with its mark, both byte orders, through the command; a VNI document is still VNI
printf 'Vi\341\273\207t Nam ho\303\240 b\303\254nh\n' >"$tmp/u8"
printf 'Vi\341\273\207t Nam ho\303\240 b\303\254nh\n' >"$tmp/want"
python3 -c 'import sys; t = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "wb").write(b"\xff\xfe" + t.encode("utf-16-le"))
open(sys.argv[3], "wb").write(b"\xfe\xff" + t.encode("utf-16-be"))' "$tmp/u8" "$tmp/le" "$tmp/be"
for bo in le be; do
	"$CHU" norm --from=auto "$tmp/$bo" >"$tmp/out" && cmp -s "$tmp/out" "$tmp/want" && ok ||
		bad "UTF-16 $bo: got '$(head -c 100 "$tmp/out")'"
done
# commands that read UTF-8 refuse UTF-16 with a clear message instead of reading it as garbage
for cmd in "seg" "index $tmp/u16.db"; do
	cp "$tmp/le" "$tmp/u16.txt"
	"$CHU" $cmd "$tmp/u16.txt" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ $st -eq 1 ] && grep -q "UTF-16 text" "$tmp/err" && ok || bad "chu $cmd on UTF-16: exit $st, $(head -c 200 "$tmp/err")"
done
printf 'Vie\344t Nam ho\362a bi\370nh, ca\371c n\370\364\371c ASEAN\n' >"$tmp/vni"
"$CHU" norm --from=auto "$tmp/vni" >"$tmp/out"
grep -q "Việt Nam" "$tmp/out" && ok || bad "VNI not detected: $(cat "$tmp/out")"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
