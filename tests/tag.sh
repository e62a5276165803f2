#!/bin/sh
# chu pos, chu ner, chu annotate's tagged formats, the tag trainer and evaluator.
# Prints "N passed, N failed, N skipped" at the end.
: "${CHU:=build/chu}"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL tag.sh: $*"; }
# has FILE FIXED-STRING: FILE contains the string
has() { if grep -qF -- "$2" "$1"; then ok; else bad "$3: '$2' not in: $(head -c 400 "$1")"; fi; }

# ---- the trainer learns a tiny corpus written for this test ----
cat >"$tmp/tiny.tsv" <<'EOF'
Mèo	N
ăn	V
cá	N
.	CH

Chó	N
đuổi	V
mèo	N
.	CH

Bà	N
Lan	Np
nấu	V
cơm	N
.	CH

Mèo	N
ngủ	V
.	CH
EOF
"$CHU" train pos --train "$tmp/tiny.tsv" --holdout 0 --epochs 10 -o "$tmp/tiny.chm" 2>"$tmp/err" && ok || bad "train pos: $(cat "$tmp/err")"
grep -q "epoch 10" "$tmp/err" && ok || bad "train pos prints progress per epoch"
printf 'Mèo ăn cá .\nChó đuổi mèo .\nBà Lan nấu cơm .\n' >"$tmp/tiny.txt"
"$CHU" pos --pretokenized --segmented --pos-model "$tmp/tiny.chm" "$tmp/tiny.txt" >"$tmp/out" && ok || bad "pos with the tiny model"
want='Mèo/N ăn/V cá/N ./CH
Chó/N đuổi/V mèo/N ./CH
Bà/N Lan/Np nấu/V cơm/N ./CH'
[ "$(cat "$tmp/out")" = "$want" ] && ok || bad "the tiny model does not reproduce its corpus: $(cat "$tmp/out")"
# the same data and seed give the same bytes
"$CHU" train pos --train "$tmp/tiny.tsv" --holdout 0 --epochs 10 -o "$tmp/tiny2.chm" 2>/dev/null
cmp -s "$tmp/tiny.chm" "$tmp/tiny2.chm" && ok || bad "training is not deterministic"
# a corrupt model: a clear error, no crash
head -c 300 "$tmp/tiny.chm" >"$tmp/cut.chm"
"$CHU" pos --pretokenized --segmented --pos-model "$tmp/cut.chm" "$tmp/tiny.txt" >/dev/null 2>"$tmp/err"
st=$?
[ "$st" -eq 1 ] && grep -q "corrupt\|truncated\|not a chu model" "$tmp/err" && ok || bad "truncated model: exit $st, $(cat "$tmp/err")"
# a segmentation model is not a tagger
if [ -r models/seg.chm ]; then
	"$CHU" pos --pretokenized --segmented --pos-model models/seg.chm "$tmp/tiny.txt" >/dev/null 2>"$tmp/err"
	[ $? -eq 1 ] && grep -q "^chu: models/seg.chm: not a part-of-speech model: it holds a word segmenter" "$tmp/err" && ok || bad "seg.chm as pos model: $(cat "$tmp/err")"
fi

# ---- limits on entity labels, whatever a model learned: a corpus that labels a web address and a
# disease as entities (VLSP 2016 never does) gives a model that would repeat them; the tagger keeps
# a URL, e-mail address or #hashtag outside every entity and lets no entity begin with a disease's name ----
cat >"$tmp/lim.tsv" <<'EOF'
Ông	O
An	B-PER
đọc	O
vnexpress.net	B-ORG
.	O

Bà	O
Lan	B-PER
nói	O
về	O
HIV	B-MISC
.	O

Ông	O
An	B-PER
viết	O
cho	O
ban@mofa.gov.vn	B-ORG
.	O

Ông	O
An	B-PER
theo	O
#giavang	B-PER
.	O
EOF
"$CHU" train ner --train "$tmp/lim.tsv" --pos-model "$tmp/tiny.chm" --epochs 10 -o "$tmp/lim.chm" 2>"$tmp/err" && ok ||
	bad "train ner: $(cat "$tmp/err")"
printf 'Ông An đọc vnexpress.net .\nBà Lan nói về HIV .\nÔng An viết cho ban@mofa.gov.vn .\nÔng An theo #giavang .\n' >"$tmp/lim.txt"
"$CHU" ner --pretokenized --segmented --window 0 --pos-model "$tmp/tiny.chm" --ner-model "$tmp/lim.chm" "$tmp/lim.txt" \
	>"$tmp/out" && ok || bad "ner with the tiny model"
for t in "An	B-PER" "Lan	B-PER" "vnexpress.net	O" "HIV	O" "ban@mofa.gov.vn	O" "#giavang	O"; do
	has "$tmp/out" "$t" "entity limits"
done

# ---- the accent trainer learns a tiny text written for this test ----
: >"$tmp/acc.txt"
for i in 1 2 3 4 5 6; do
	printf 'Bà ba bán bánh ở chợ.\nCon cá bơi trong hồ.\nBà ba đi chợ bán cá.\nCô ca sĩ hát bài ca.\n' >>"$tmp/acc.txt"
done
"$CHU" train accent --corpus "$tmp/acc.txt" --holdout 0 --epochs 3 -o "$tmp/acc.chm" 2>"$tmp/err" && ok || bad "train accent: $(cat "$tmp/err")"
printf 'Ba ba ban banh o cho.\nBA BA di cho ban ca!\nCo ca si hat bai ca, 3 lan.\n' | "$CHU" accent --model "$tmp/acc.chm" >"$tmp/out" && ok || bad "accent with the tiny model"
want='Bà ba bán bánh ở chợ.
BÀ BA đi chợ bán cá!
Cô ca sĩ hát bài ca, 3 lan.'
[ "$(cat "$tmp/out")" = "$want" ] && ok || bad "the tiny accent model: got $(cat "$tmp/out")"
"$CHU" train accent --corpus "$tmp/acc.txt" --holdout 0 --epochs 3 -o "$tmp/acc2.chm" 2>/dev/null
cmp -s "$tmp/acc.chm" "$tmp/acc2.chm" && ok || bad "accent training is not deterministic"
"$CHU" accent --model "$tmp/tiny.chm" </dev/null >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "^chu: $tmp/tiny.chm: not a diacritics model: it holds a part-of-speech tagger" "$tmp/err" && ok || bad "a POS model as accent model: $(cat "$tmp/err")"

# after an amount, "dong" is the currency whatever the context model scores ("500 dòng/lít")
if [ -r models/accent.chm ]; then
	r=$(printf '500 dong/lit, 3 trieu dong, 20 nghin dong; dong song\n' | "$CHU" accent)
	[ "$r" = "500 đồng/lít, 3 triệu đồng, 20 nghìn đồng; dòng sông" ] && ok || bad "đồng after an amount: $r"
fi

# ---- chu eval pos|ner ----
printf 'a/N b/V c/N\nd/A\n' >"$tmp/g.txt"
printf 'a/N b/N c/N\nd/A\n' >"$tmp/p.txt"
"$CHU" eval pos "$tmp/g.txt" "$tmp/p.txt" >"$tmp/out" && ok || bad "eval pos"
has "$tmp/out" "accuracy 75.00" "eval pos"
printf 'Ông\tO\nNguyễn\tB-PER\nAn\tI-PER\ntới\tO\nHuế\tB-LOC\n\n' >"$tmp/g.tsv"
printf 'Ông\tO\nNguyễn\tB-PER\nAn\tO\ntới\tO\nHuế\tB-LOC\n\n' >"$tmp/p.tsv"
"$CHU" eval ner "$tmp/g.tsv" "$tmp/p.tsv" >"$tmp/out" && ok || bad "eval ner"
has "$tmp/out" "F1 50.00" "eval ner (one of two spans exact)"
printf 'x/N\n' >"$tmp/q.txt"
"$CHU" eval pos "$tmp/g.txt" "$tmp/q.txt" >/dev/null 2>&1
[ $? -eq 1 ] && ok || bad "eval pos of different words must fail"

# ---- the committed models ----
if [ ! -r models/pos.chm ] || [ ! -r models/ner.chm ] || [ ! -r models/seg.chm ]; then
	echo "skip: models/pos.chm, ner.chm or seg.chm is absent (make model)"
	skip=$((skip + 1))
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
fi
M="--model models/seg.chm --pos-model models/pos.chm"

# spec sentences, written for chu
cat >"$tmp/spec.txt" <<'EOF'
Sáng 16/7, Thứ trưởng Bộ Ngoại giao Tô Anh Dũng đã tiếp Đại sứ Nhật Bản tại Hà Nội.
Ông Nguyễn Văn An, Chủ tịch UBND tỉnh Thanh Hóa, cho biết 62.000 tỷ đồng đã được giải ngân trong năm 2020.
Giá xăng tăng 4,5% lên 20.000 đồng, tàu chạy 120 km lúc 14:30 ngày 21/8/2020.
EOF
"$CHU" pos $M "$tmp/spec.txt" >"$tmp/pos.txt" && ok || bad "chu pos on raw text"
[ "$(wc -l <"$tmp/pos.txt")" -eq 3 ] && ok || bad "chu pos: one line a sentence"
for t in "Thứ_trưởng/N" "Tô_Anh_Dũng/Np" "Hà_Nội/Np" "Nhật_Bản/Np" "đã/R" "tiếp/V" "tại/E" "./CH" "cho/V" "biết/V"; do
	has "$tmp/pos.txt" "$t" "chu pos"
done
"$CHU" pos --upos $M "$tmp/spec.txt" >"$tmp/upos.txt"
has "$tmp/upos.txt" "Hà_Nội/PROPN" "chu pos --upos"
has "$tmp/upos.txt" "./PUNCT" "chu pos --upos"
"$CHU" ner $M --ner-model models/ner.chm "$tmp/spec.txt" >"$tmp/ner.txt" && ok || bad "chu ner on raw text"
for t in "Tô_Anh_Dũng	B-PER" "Nguyễn_Văn_An	B-PER" "Hà_Nội	B-LOC" "Nhật_Bản	B-LOC" "Bộ	B-ORG" "Ngoại_giao	I-ORG" \
	"UBND	B-ORG" "16/7	B-DATE" "62.000_tỷ_đồng	B-MONEY" "năm	B-DATE" "2020	I-DATE" "4,5%	B-PERCENT" \
	"20.000_đồng	B-MONEY" "120	B-QUANTITY" "km	I-QUANTITY" "14:30	B-TIME" "21/8/2020	I-DATE"; do
	has "$tmp/ner.txt" "$t" "chu ner"
done
[ "$(grep -c '^$' "$tmp/ner.txt")" -eq 3 ] && ok || bad "chu ner: a blank line after each sentence"
# a time, a date or an amount is never a person, whatever the model says of it
printf 'Lúc 9h30, Lan về nhà.\nTừ 9h30 đến 11h, Hoa ở lại.\n' >"$tmp/time.txt"
"$CHU" ner $M --ner-model models/ner.chm "$tmp/time.txt" >"$tmp/ner3.txt" && ok || bad "chu ner on times"
for t in "9h30	B-TIME" "11h	B-TIME" "Lan	B-PER" "Hoa	B-PER"; do
	has "$tmp/ner3.txt" "$t" "chu ner"
done
grep -q "9h30	B-PER" "$tmp/ner3.txt" && bad "chu ner: 9h30 is a person: $(cat "$tmp/ner3.txt")" || ok
"$CHU" ner --no-rules $M --ner-model models/ner.chm "$tmp/time.txt" >"$tmp/ner3.txt"
has "$tmp/ner3.txt" "9h30	O" "chu ner --no-rules"
# a time, a date, a percentage or an amount written as one word is a numeral (M), as VLSP 2013
# tags numbers, however its neighbours read
printf 'Lúc 9h30 sáng, công ty chi 500.000 USD và 47,5 triệu USD, tăng 4,5%% so với ngày 19/12/2024.\n' |
	"$CHU" pos $M --pos-model models/pos.chm >"$tmp/pos-amounts.txt" && ok || bad "chu pos on amounts"
for w in 9h30/M 500.000_USD/M 47,5_triệu_USD/M 4,5%/M 19/12/2024/M; do
	grep -q -- " $w " "$tmp/pos-amounts.txt" && ok || bad "chu pos: not $w: $(cat "$tmp/pos-amounts.txt")"
done
# foreign names the segmenter joined are tagged by their syllables, as VLSP 2016 writes them; a
# disease is no person, a web address no place
cat >"$tmp/names.txt" <<'EOF'
Bà Caitlin Wiesen và Tiến sỹ Sok Siphana đã tới Hà Nội.
Đại dịch COVID-19 ảnh hưởng tới phụ nữ, theo thông tin đăng tại www.baochinhphu.vn.
EOF
"$CHU" ner $M --ner-model models/ner.chm "$tmp/names.txt" >"$tmp/ner2.txt" && ok || bad "chu ner on names"
for t in "Caitlin_Wiesen	B-PER" "Sok_Siphana	B-PER" "Hà_Nội	B-LOC" "COVID-19	O" "www.baochinhphu.vn	O"; do
	has "$tmp/ner2.txt" "$t" "chu ner"
done
# the evaluation interface prints the VLSP 2016 types only, unless --rules
printf 'Ngày 16/7 , ông Dũng tới Hà_Nội .\n' >"$tmp/seg.txt"
"$CHU" ner --pretokenized --segmented --pos-model models/pos.chm --ner-model models/ner.chm "$tmp/seg.txt" >"$tmp/out"
grep -q "DATE" "$tmp/out" && bad "ner --segmented printed a rule-based type" || ok
"$CHU" ner --pretokenized --segmented --rules --pos-model models/pos.chm --ner-model models/ner.chm "$tmp/seg.txt" >"$tmp/out"
has "$tmp/out" "16/7	I-DATE" "ner --segmented --rules"

# the evaluation interfaces keep the input's tokens, whatever they are
awk 'BEGIN { srand(7); split("Hà_Nội a/b ___ \" x\\ty Đ 12,5% ngày", v, " ");
	for (i = 0; i < 200; i++) { n = 1 + int(rand() * 12); s = "";
		for (j = 0; j < n; j++) s = s (j ? " " : "") v[1 + int(rand() * 8)];
		print s } }' >"$tmp/any.txt"
printf '\377\376 ab\n\n%s\n' "$(head -c 3000 /dev/urandom | tr -d '\n\r\t ' | head -c 200 | tr '\000' 'x')" >>"$tmp/any.txt"
"$CHU" pos --pretokenized --segmented --pos-model models/pos.chm "$tmp/any.txt" >"$tmp/out" 2>"$tmp/err" && ok || bad "pos on arbitrary tokens: $(cat "$tmp/err")"
awk '{ print NF }' "$tmp/any.txt" >"$tmp/n1"
awk '{ print NF }' "$tmp/out" >"$tmp/n2"
cmp -s "$tmp/n1" "$tmp/n2" && ok || bad "chu pos --pretokenized --segmented changed the token counts"
awk '{ for (i = 1; i <= NF; i++) { t = $i; sub(/\/[^\/]*$/, "", t); printf "%s%s", (i > 1 ? " " : ""), t } print "" }' "$tmp/out" >"$tmp/back"
awk '{ $1 = $1; print }' "$tmp/any.txt" >"$tmp/orig"
cmp -s "$tmp/orig" "$tmp/back" && ok || bad "chu pos --pretokenized --segmented changed the tokens"
"$CHU" ner --pretokenized --segmented --pos-model models/pos.chm --ner-model models/ner.chm "$tmp/any.txt" >"$tmp/out" && ok || bad "ner on arbitrary tokens"
awk 'NF' "$tmp/any.txt" | awk '{ n += NF } END { print n }' >"$tmp/n1"
awk -F'\t' 'NF == 2 { n++ } END { print n }' "$tmp/out" >"$tmp/n2"
cmp -s "$tmp/n1" "$tmp/n2" && ok || bad "chu ner --pretokenized --segmented: $(cat "$tmp/n1") tokens in, $(cat "$tmp/n2") out"
# the document window (default 30 sentences) changes labels, never words: the same words with any window
for w in 0 1 1000; do
	"$CHU" ner --window $w --pretokenized --segmented --pos-model models/pos.chm --ner-model models/ner.chm "$tmp/any.txt" >"$tmp/outw" && ok || bad "ner --window $w"
	cut -f1 "$tmp/out" >"$tmp/c1"
	cut -f1 "$tmp/outw" >"$tmp/c2"
	cmp -s "$tmp/c1" "$tmp/c2" && ok || bad "chu ner --window $w printed other words than the default"
done
"$CHU" ner --window x --pretokenized --segmented "$tmp/any.txt" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && ok || bad "ner --window x: not a usage error"
has "$tmp/err" "--window needs a number" "ner --window x"
# each file is a document: a window never reaches into the next file
printf 'Công_ty Khai_Minh mở văn_phòng .\nKhai_Minh tuyển người .\nKhai_Minh chưa đủ vốn .\n' >"$tmp/d1.txt"
printf 'anh Khai_Minh cười .\n' >"$tmp/d2.txt"
"$CHU" ner --pretokenized --segmented --pos-model models/pos.chm --ner-model models/ner.chm "$tmp/d1.txt" "$tmp/d2.txt" >"$tmp/both"
{ "$CHU" ner --pretokenized --segmented --pos-model models/pos.chm --ner-model models/ner.chm "$tmp/d1.txt"
  "$CHU" ner --pretokenized --segmented --pos-model models/pos.chm --ner-model models/ner.chm "$tmp/d2.txt"; } >"$tmp/each"
cmp -s "$tmp/both" "$tmp/each" && ok || bad "chu ner: two files tagged together differ from each alone"
cat "$tmp/d1.txt" "$tmp/d2.txt" >"$tmp/d12.txt"
"$CHU" ner --pretokenized --segmented --pos-model models/pos.chm --ner-model models/ner.chm "$tmp/d12.txt" >"$tmp/one"
cmp -s "$tmp/both" "$tmp/one" && bad "chu ner: one file and two files gave the same labels (the window test proves nothing)" || ok

# ---- chu accent with the committed model ----
if [ -r models/accent.chm ]; then
	A="--model models/accent.chm"
	printf 'Thu truong Bo Ngoai giao Viet Nam da tiep Dai su Nhat Ban tai Ha Noi sang 16/7.\n' | "$CHU" accent $A >"$tmp/out"
	[ "$(cat "$tmp/out")" = "Thứ trưởng Bộ Ngoại giao Việt Nam đã tiếp Đại sứ Nhật Bản tại Hà Nội sáng 16/7." ] && ok ||
		bad "chu accent: $(cat "$tmp/out")"
	printf 'BINH DANG GIOI va quyen nang kinh te cua phu nu\n' | "$CHU" accent $A >"$tmp/out"
	[ "$(cat "$tmp/out")" = "BÌNH ĐẲNG GIỚI và quyền năng kinh tế của phụ nữ" ] && ok || bad "chu accent, case kept: $(cat "$tmp/out")"
	# marked syllables, numbers, URLs and punctuation are copied as written; the tone style is an option
	printf 'hòa binh, www.mofa.gov.vn 62.000 USD (hoa binh)\n' | "$CHU" accent $A >"$tmp/out"
	[ "$(cat "$tmp/out")" = "hòa bình, www.mofa.gov.vn 62.000 USD (hoà bình)" ] && ok || bad "chu accent copies: $(cat "$tmp/out")"
	# segmented text (chu seg's output) is restored as the same text with spaces: '_' is no context
	printf 'Biet_bao_nhieu ba me nhu me Duong se con dau_kho khoc_than\n' | "$CHU" accent $A >"$tmp/out"
	printf 'Biet bao nhieu ba me nhu me Duong se con dau kho khoc than\n' | "$CHU" accent $A | tr ' ' '_' >"$tmp/want"
	[ "$(tr ' ' '_' <"$tmp/out")" = "$(cat "$tmp/want")" ] && grep -qF 'đau_khổ khóc_than' "$tmp/out" && ok ||
		bad "chu accent on segmented text: $(cat "$tmp/out")"
	printf 'hoa binh\n' | "$CHU" accent $A --tone=old >"$tmp/out"
	[ "$(cat "$tmp/out")" = "hòa bình" ] && ok || bad "chu accent --tone=old: $(cat "$tmp/out")"
	# any bytes: no crash, and the same bytes outside the letters of restored syllables
	head -c 20000 /dev/urandom >"$tmp/rand"
	"$CHU" accent $A "$tmp/rand" >"$tmp/out" 2>"$tmp/err" && ok || bad "chu accent on random bytes: $(cat "$tmp/err")"
	[ "$(wc -c <"$tmp/out")" -ge "$(wc -c <"$tmp/rand")" ] && ok || bad "chu accent lost bytes of random input"
	if command -v python3 >/dev/null 2>&1 && [ -d "${CHU_DATA:-../shared/data}/seeds" ]; then
		python3 tools/eval_accent.py "$CHU" models/accent.chm "${CHU_DATA:-../shared/data}"/seeds/0*.txt >"$tmp/out" &&
			ok || bad "eval_accent on the seeds"
		acc=$(sed -n 's/.*accuracy \([0-9.]*\).*/\1/p' "$tmp/out")
		awk -v a="$acc" 'BEGIN { exit !(a >= 97.0) }' && ok || bad "accent accuracy on the seed articles $acc < 97"
	fi
else
	echo "skip: models/accent.chm is absent (make model)"
	skip=$((skip + 1))
fi

# bad input through the raw-text paths: no crash, every command succeeds
head -c 30000 /dev/urandom >"$tmp/rand.bin"
printf '\n\303\n\342\200\nThứ trưởng\000Bộ\r\n' >>"$tmp/rand.bin"
for cmd in "pos $M" "ner $M --ner-model models/ner.chm" "annotate --format=conllu $M --ner-model models/ner.chm" \
	"annotate --format=jsonl $M --ner-model models/ner.chm"; do
	"$CHU" $cmd "$tmp/rand.bin" >"$tmp/out" 2>"$tmp/err" && ok || bad "chu $cmd on random bytes: $(head -c 300 "$tmp/err")"
done
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json, sys
for l in open(sys.argv[1], encoding="utf-8"): json.loads(l)' "$tmp/out" && ok || bad "annotate jsonl of random bytes is not JSON lines"
fi

# ---- chu annotate: CoNLL-U and JSON lines ----
"$CHU" annotate --format=conllu $M --ner-model models/ner.chm "$tmp/spec.txt" >"$tmp/c.txt" && ok || bad "annotate conllu"
awk -F'\t' '/^[0-9]/ && NF != 10 { bad = 1 } END { exit bad }' "$tmp/c.txt" && ok || bad "conllu: a token line without 10 columns"
[ "$(grep -c '^# text = ' "$tmp/c.txt")" -eq 3 ] && [ "$(grep -c '^# sent_id = ' "$tmp/c.txt")" -eq 3 ] && ok || bad "conllu comments"
has "$tmp/c.txt" "Tô Anh Dũng	tô anh dũng	PROPN	Np	_	_	_	_	NER=B-PER|Offset=" "conllu word line"
"$CHU" annotate --format=jsonl $M --ner-model models/ner.chm "$tmp/spec.txt" >"$tmp/j.txt" && ok || bad "annotate jsonl"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/spec.txt" "$tmp/j.txt" "$tmp/c.txt" <<'EOF' && ok || bad "jsonl/conllu offsets and round trip"
import json, sys, unicodedata
raw = open(sys.argv[1], 'rb').read()
sents = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
assert len(sents) == 3, len(sents)
# the same letters, tone placement aside ("Hóa" is written "Hoá")
base = lambda t: ''.join(c for c in unicodedata.normalize('NFD', t) if not unicodedata.combining(c)).split()
norm = lambda b: base(b.decode('utf-8'))
types = set()
for s in sents:
    for key in ('tokens', 'words', 'entities'):
        for x in s[key]:
            assert norm(raw[x['start']:x['end']]) == base(x['text']), (key, x)
    for w in s['words']:
        assert w['pos'] and w['upos']
    types |= {e['type'] for e in s['entities']}
assert {'PER', 'LOC', 'ORG', 'DATE', 'MONEY', 'PERCENT', 'TIME', 'QUANTITY'} <= types, types
# CoNLL-U and JSON lines agree word for word
forms = [l.split('\t')[1] for l in open(sys.argv[3], encoding='utf-8') if l[:1].isdigit()]
assert forms == [w['text'] for s in sents for w in s['words']]
# round trip: each sentence's words, joined as SpaceAfter says, give its "# text"
text, out = None, []
for l in open(sys.argv[3], encoding='utf-8'):
    l = l.rstrip('\n')
    if l.startswith('# text = '):
        text, out = l[len('# text = '):], []
    elif l[:1].isdigit():
        c = l.split('\t')
        out.append(c[1] + ('' if 'SpaceAfter=No' in c[9] else ' '))
    elif not l and text is not None:
        assert ''.join(out).rstrip(' ') == text, (''.join(out), text)
        text = None
EOF
else
	echo "skip: python3 is absent (jsonl checks)"; skip=$((skip + 1))
fi
"$CHU" annotate --format=xml "$tmp/spec.txt" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "conllu" "$tmp/err" && ok || bad "annotate --format=xml must be a usage error"

# ---- chu annotate's document window: as chu ner's, an article (file) is the document ----
for w in x 1001 -1; do
	"$CHU" annotate --window "$w" "$tmp/spec.txt" >/dev/null 2>"$tmp/err"
	[ $? -eq 2 ] && ok || bad "annotate --window $w: not a usage error"
	has "$tmp/err" "--window needs a number" "annotate --window $w"
done
# an article written for this test: the tagger alone labels ASEAN in some sentences and misses it
# in others; labelled twice nearby, it is found everywhere
cat >"$tmp/asean.txt" <<'EOF'
Về quan hệ đối ngoại của ASEAN, các nước khẳng định cần tiếp tục giữ vững vai trò trung tâm của ASEAN.
Các nước ASEAN ủng hộ đề xuất của Việt Nam.
ASEAN đã thành lập năm 1967.
Đại diện ASEAN phát biểu tại lễ khai mạc.
Nhiều nước đánh giá cao vai trò của ASEAN.
EOF
N="$M --ner-model models/ner.chm"
# CoNLL-U as chu ner prints: word (syllables joined by '_') <TAB> BIO label, a blank line after each sentence
conll_ner() { awk -F'\t' '/^#/ { next } NF == 0 { print ""; next }
	{ w = $2; gsub(/ /, "_", w); l = "O"
	  if (match($10, /NER=[^|]*/)) l = substr($10, RSTART + 4, RLENGTH - 4)
	  print w "\t" l }' "$1"; }
for w in 0 30; do
	"$CHU" ner --window $w $N "$tmp/asean.txt" >"$tmp/ner$w" && ok || bad "ner --window $w on the ASEAN article"
	"$CHU" annotate --window $w --format=conllu $N "$tmp/asean.txt" >"$tmp/ann$w.conllu" && ok || bad "annotate --window $w"
	conll_ner "$tmp/ann$w.conllu" >"$tmp/ann$w"
	cmp -s "$tmp/ner$w" "$tmp/ann$w" && ok ||
		bad "annotate --window $w labels differ from chu ner's: $(diff "$tmp/ner$w" "$tmp/ann$w" | head -5)"
done
"$CHU" annotate --format=conllu $N "$tmp/asean.txt" >"$tmp/anndef.conllu"
cmp -s "$tmp/ann30.conllu" "$tmp/anndef.conllu" && ok || bad "annotate: the default window is not 30"
n0=$(grep -c 'ASEAN.*NER=B-ORG' "$tmp/ann0.conllu")
[ "$n0" -ge 2 ] && [ "$n0" -lt 6 ] && ok ||
	bad "annotate --window 0: ASEAN ORG $n0 times, not 2 to 5 (the fixture no longer shows the window): $(grep 'ASEAN' "$tmp/ann0.conllu")"
[ "$(grep -c 'ASEAN.*NER=B-ORG' "$tmp/anndef.conllu")" -eq 6 ] && ok ||
	bad "annotate's window did not find ASEAN 6 times: $(grep 'ASEAN' "$tmp/anndef.conllu")"
# jsonl: the same entities as CoNLL-U; --window 0 keeps each sentence's own
for w in 0 30; do
	"$CHU" annotate --window $w --format=jsonl $N "$tmp/asean.txt" >"$tmp/ann$w.jsonl"
	# each sentence's entity types, sentences separated by '|'
	awk '{ n = split($0, a, "\"type\":\"")
		for (i = 2; i <= n; i++) { split(a[i], b, "\""); printf "%s%s", (i > 2 ? " " : ""), b[1] }
		printf "|" }' "$tmp/ann$w.jsonl" >"$tmp/types$w"
done
[ "$(tr ' |' '\n\n' <"$tmp/types0" | grep -c '^ORG$')" -eq "$n0" ] && ok ||
	bad "annotate --window 0: jsonl entities $(cat "$tmp/types0") disagree with CoNLL-U's $n0 ORG"
[ "$(cat "$tmp/types30")" = "ORG ORG|ORG LOC|ORG DATE|ORG|ORG|" ] && ok || bad "annotate jsonl entities with the window: $(cat "$tmp/types30")"
# each file is a document: a window never reaches into the next file
printf 'ASEAN đã thành lập năm 1967.\n' >"$tmp/asean2.txt"
for f in conllu jsonl; do # (CoNLL-U's sent_id counts the sentences of the run)
	"$CHU" annotate --format=$f $N "$tmp/asean.txt" "$tmp/asean2.txt" >"$tmp/both" && ok || bad "annotate two files"
	{ "$CHU" annotate --format=$f $N "$tmp/asean.txt"; "$CHU" annotate --format=$f $N "$tmp/asean2.txt"; } >"$tmp/each"
	grep -v '^# sent_id = ' "$tmp/both" >"$tmp/b"
	grep -v '^# sent_id = ' "$tmp/each" >"$tmp/e"
	cmp -s "$tmp/b" "$tmp/e" && ok || bad "annotate --format=$f: two files together differ from each alone"
done
# (and that is seen: the second file's sentence is ORG when it follows the article in one file)
cat "$tmp/asean.txt" "$tmp/asean2.txt" >"$tmp/asean12.txt"
"$CHU" annotate --format=jsonl $N "$tmp/asean12.txt" | tail -n 1 | grep -q '"type":"ORG"' && ok ||
	bad "annotate: ASEAN after the article in one file is not ORG"
tail -n 1 "$tmp/e" | grep -q '"type":"ORG"' && bad "annotate: ASEAN alone in the second file is ORG" || ok

# ---- streaming: the tagging commands read a piece at a time, and what they print does not depend
# on where the pieces are cut: a pipe gives what the file gives, and moving every cut point (blank
# lines or spaces before the text, which hold no token) changes nothing. The text: the seed
# articles, and each of them as one line too (over 64 KiB: a line cut into pieces) ----
S=${CHU_DATA:-../shared/data}/seeds
if [ -d "$S" ] && command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp" "$S"/0*.txt <<'EOF'
import sys, unicodedata
tmp, seeds = sys.argv[1], sys.argv[2:]
text = ''.join(open(f, encoding='utf-8').read() for f in seeds)
one_line = ' '.join(l for l in text.split('\n') if l.strip())
doc = text + (one_line + '\n') * 4 + text.rstrip('\n') + '\n' # (awk ends the last line)
def fold(s):
    s = s.replace('đ', 'd').replace('Đ', 'D')
    return unicodedata.normalize('NFC', ''.join(c for c in unicodedata.normalize('NFD', s) if not unicodedata.combining(c)))
open(tmp + '/stream.txt', 'w', encoding='utf-8').write(doc)
open(tmp + '/stream-folded.txt', 'w', encoding='utf-8').write(fold(doc * 10)) # 1 MB: chu accent's chunks
EOF
	# shifted FILE K: K blank lines, then FILE with K spaces before each line longer than 64 KiB
	shifted() { awk -v k="$2" 'BEGIN { s = sprintf("%*s", k, ""); for (i = 0; i < k; i++) print "" }
		{ print (length($0) > 65536 ? s : "") $0 }' "$1"; }
	for cmd in "pos $M" "ner $N" "ner $N --window 2" "annotate --format=text $N" "accent --model models/accent.chm"; do
		case $cmd in accent*) [ -r models/accent.chm ] || continue; in=$tmp/stream-folded.txt ;; *) in=$tmp/stream.txt ;; esac
		"$CHU" $cmd "$in" >"$tmp/s.file" 2>"$tmp/err" && ok || bad "chu $cmd on the stream text: $(head -c 300 "$tmp/err")"
		"$CHU" $cmd <"$in" >"$tmp/s.pipe" 2>/dev/null
		cmp -s "$tmp/s.file" "$tmp/s.pipe" && ok || bad "chu $cmd: a pipe gives other output than the file"
		for k in 1 4099; do
			shifted "$in" $k | "$CHU" $cmd >"$tmp/s.shift" 2>/dev/null
			case $cmd in # the blank lines come out as blank lines (accent) or as nothing
			accent*) tail -n +$((k + 1)) "$tmp/s.shift" | sed 's/^ *//' >"$tmp/s.cmp"; sed 's/^ *//' "$tmp/s.file" >"$tmp/s.want" ;;
			*) cp "$tmp/s.shift" "$tmp/s.cmp"; cp "$tmp/s.file" "$tmp/s.want" ;;
			esac
			cmp -s "$tmp/s.want" "$tmp/s.cmp" && ok ||
				bad "chu $cmd: the cut points moved by $k bytes change the output: $(diff "$tmp/s.want" "$tmp/s.cmp" | head -4)"
		done
	done
	# --threads N: whole lines are tagged on N threads, a batch (64 KiB a thread) at a time, and
	# what is printed is what one thread prints. The text: the stream text six times, each after a
	# numbered line and a part of it (1 MB: several batches, none alike), all of it as one line
	# (its pieces are tagged in their place, between batches) and a last line without LF; then a
	# second file (a document of its own)
	{ for i in 1 2 3 4 5 6; do echo "Phần $i của bài."; head -c $((i * 9000)) "$tmp/stream.txt" | sed '$d'; cat "$tmp/stream.txt"; done
	  tr '\n' ' ' <"$tmp/stream.txt"; echo
	  head -c 200000 "$tmp/stream-folded.txt" | sed '$d' # typed without marks: read through the restorer
	  printf 'Ông Nguyễn Văn An tới Hà Nội.'; } >"$tmp/thr.txt"
	for cmd in "pos $M" "ner $N" "ner $N --window 0" "pos --pretokenized $M" "ner --pretokenized $N --window 3" \
		"annotate --format=jsonl $N" "annotate --format=conllu $N --window 3" "accent --model models/accent.chm"; do
		case $cmd in accent*) [ -r models/accent.chm ] || continue; in=$tmp/stream-folded.txt ;; *) in=$tmp/thr.txt ;; esac
		"$CHU" $cmd "$in" "$tmp/asean.txt" >"$tmp/t1" 2>"$tmp/err" && ok || bad "chu $cmd: $(head -c 300 "$tmp/err")"
		for t in 2 7; do
			"$CHU" $cmd --threads $t "$in" "$tmp/asean.txt" >"$tmp/tn" 2>"$tmp/err" && ok ||
				bad "chu $cmd --threads $t: $(head -c 300 "$tmp/err")"
			cmp -s "$tmp/t1" "$tmp/tn" && ok ||
				bad "chu $cmd --threads $t prints other bytes than one thread: $(cmp "$tmp/t1" "$tmp/tn" 2>&1 | head -n 1)"
		done
	done
	# a sentence typed without marks is segmented and tagged as its restored spelling, printed as
	# written; --as-written reads it as it is; --accent-model must be a diacritics model
	if [ -r models/accent.chm ]; then
		echo 'Thu tuong Pham Minh Chinh noi voi bao chi tai Ha Noi.' >"$tmp/plain.txt"
		"$CHU" ner $N "$tmp/plain.txt" >"$tmp/out" 2>"$tmp/err" && ok || bad "ner without marks: $(cat "$tmp/err")"
		has "$tmp/out" "$(printf 'Pham_Minh_Chinh\tB-PER')" "ner on a sentence without marks"
		has "$tmp/out" "$(printf 'Ha_Noi\tB-LOC')" "ner on a sentence without marks"
		"$CHU" pos $M "$tmp/plain.txt" >"$tmp/out" && ok || bad "pos without marks"
		has "$tmp/out" "Thu_tuong/N Pham_Minh_Chinh/Np noi/V voi/E bao_chi/N tai/E Ha_Noi/Np ./CH" "pos without marks"
		"$CHU" seg --model models/seg.chm "$tmp/plain.txt" >"$tmp/out" && ok || bad "seg without marks"
		has "$tmp/out" "Thu_tuong Pham_Minh_Chinh noi voi bao_chi tai Ha_Noi ." "seg without marks"
		"$CHU" pos $M --as-written "$tmp/plain.txt" >"$tmp/out" && ok || bad "pos --as-written"
		grep -qF "bao_chi/N" "$tmp/out" && bad "pos --as-written restores: $(cat "$tmp/out")" || ok
		"$CHU" annotate --format=conllu $N "$tmp/plain.txt" >"$tmp/out" && ok || bad "annotate without marks"
		grep -q 'Pham Minh Chinh.*NER=B-PER' "$tmp/out" && ok || bad "annotate without marks: $(head -c 600 "$tmp/out")"
		for cmd in "seg" "pos" "ner" "annotate"; do
			"$CHU" $cmd --accent-model models/pos.chm "$tmp/plain.txt" >/dev/null 2>"$tmp/err"
			[ $? -eq 1 ] && grep -q "not a diacritics model" "$tmp/err" && ok ||
				bad "chu $cmd --accent-model with a tagger: $(cat "$tmp/err")"
		done
		# a damaged restorer found by itself: an error when a sentence needs it, not a silent skip
		mkdir -p "$tmp/dm" && cp models/seg.chm models/pos.chm models/ner.chm "$tmp/dm/" && head -c 100000 models/accent.chm >"$tmp/dm/accent.chm"
		CHU_MODEL_DIR=$tmp/dm "$CHU" ner "$tmp/plain.txt" >/dev/null 2>"$tmp/err"
		[ $? -eq 1 ] && grep -q "accent.chm" "$tmp/err" && ok || bad "ner with a damaged accent.chm: $(cat "$tmp/err")"
		echo 'Thủ tướng nói.' | CHU_MODEL_DIR=$tmp/dm "$CHU" ner >/dev/null 2>"$tmp/err" && ok ||
			bad "a damaged accent.chm stops text with marks: $(cat "$tmp/err")"
	else
		echo "skip: models/accent.chm is absent (sentences without marks)"; skip=$((skip + 1))
	fi
	for t in 0 257 x; do
		"$CHU" pos --threads $t $M "$tmp/asean.txt" >/dev/null 2>"$tmp/err"
		[ $? -eq 2 ] && grep -q -- "--threads takes a number from 1 to 256" "$tmp/err" && ok || bad "pos --threads $t: not a usage error"
	done
	# annotate's offsets stay offsets into the file, across cut pieces; sentences are numbered on
	"$CHU" annotate --format=jsonl $N "$tmp/stream.txt" >"$tmp/s.jsonl"
	python3 - "$tmp/stream.txt" "$tmp/s.jsonl" <<'EOF' && ok || bad "annotate jsonl offsets on the stream text"
import json, sys, unicodedata
src = open(sys.argv[1], 'rb').read()
n = 0
for l in open(sys.argv[2], encoding='utf-8'):
    r = json.loads(l)
    assert r['sentence'] == n, (r['sentence'], n)
    n += 1
    for t in r['tokens']: # the text is normalized: the same letters, the tone mark maybe elsewhere
        bare = lambda x: ''.join(c for c in unicodedata.normalize('NFD', x) if not unicodedata.combining(c)).split()
        assert bare(src[t['start']:t['end']].decode()) == bare(t['text']), t
assert n > 300, n
EOF
else
	echo "skip: $S or python3 is absent (the streaming checks)"; skip=$((skip + 1))
fi

# seed articles: dates, money, titled names, organizations, countries
S=${CHU_DATA:-../shared/data}/seeds
if [ -d "$S" ]; then
	for f in "$S"/0*.txt; do "$CHU" annotate --format=jsonl $M --ner-model models/ner.chm "$f"; done >"$tmp/seeds.jsonl"
	python3 - "$tmp/seeds.jsonl" <<'EOF' && ok || bad "seed entities"
import json, sys
found = set()
for l in open(sys.argv[1], encoding='utf-8'):
    for e in json.loads(l)['entities']:
        found.add((e['type'], e['text']))
want = [('PER', 'Tô Anh Dũng'), ('PER', 'Nguyễn Quốc Dũng'), ('PER', 'Đỗ Hùng Việt'), ('ORG', 'Bộ Ngoại giao'),
        ('ORG', 'UNDP'), ('LOC', 'Việt Nam'), ('LOC', 'Campuchia'), ('LOC', 'Nhật Bản'), ('DATE', 'ngày 9/7/2020'),
        ('DATE', '16/7'), ('MONEY', '62.000 tỷ đồng'), ('MONEY', '100.000 USD')]
missing = [w for w in want if w not in found]
assert not missing, missing
EOF
else
	echo "skip: $S is absent (seed entities)"; skip=$((skip + 1))
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
