#!/bin/sh
# Damaged files are clean errors. For every committed model (models/seg.chm, pos.chm, ner.chm,
# accent.chm), copies in a temporary directory are damaged — a zero-length file, the file cut
# at many lengths (inside the header, the section table, a section, one byte short) or one byte
# too long, one bit flipped at many places (every header field, every section-table entry's
# name, offset and size, the start, middle and end of every section), random bytes, random bytes
# after a right magic, a directory, a FIFO, an unreadable file (not as root), a model of
# another kind — and given to every command option that takes that kind: chu seg/pos/ner/
# annotate --model, pos/ner/annotate --pos-model, ner/annotate --ner-model, accent --model,
# search --any --accent-model. Each must exit non-zero (and below 128: not by a signal) within
# a few seconds, with a message "chu: PATH: …" that names the file. The same for a chu index
# (SQLite): cut at several sizes, pages overwritten with garbage, a garbage -wal file beside it,
# a zero-length file, a file that is not SQLite: `chu search` (and `chu index` adding to it)
# exits non-zero with "chu: PATH: …", or, for search, gives exactly the intact index's answer.
# Why: chu.h promises that a corrupt model is CHU_EFORMAT, never a crash (model.c checks
# every offset against the file size and a checksum over all of it), and a search over a
# damaged index must not crash or hang or print a confident wrong answer.
# A FIFO used to hang in open(2), waiting for a writer (src/model.c now opens with O_NONBLOCK).
# Known (2026-12): a model of another kind is reported without its path, or as the input file's
# fault ("chu: in.txt: invalid argument"), and search --any takes one without a word; the
# command's model handling (cli/) is being fixed for that.
# CHU_DAMAGE_ALL=1 flips bits at every place listed below instead of a sample of them.
: "${CHU:=build/chu}"
: "${CHU_TIMEOUT:=5}"
all=${CHU_DAMAGE_ALL:-}
ACCEPT=
unset CHU_SQLITE_MODEL
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL damaged.sh: $*"; }
skipped() { skip=$((skip + 1)); echo "skip: $*"; }

if command -v timeout >/dev/null 2>&1; then to="timeout -k 2 $CHU_TIMEOUT"; else to=; skipped "no timeout(1): a hang would hang this test"; fi

# expect_error WHAT PATH CMD…: CMD must fail cleanly and name PATH; $tmp/out and $tmp/err keep
# its output. With ACCEPT set to a file, exit 0 is fine too when stdout equals that file.
expect_error() {
	what=$1 path=$2
	shift 2
	$to "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ -n "$to" ] && { [ $st -eq 124 ] || [ $st -eq 137 ]; }; then
		bad "$what: no answer after $CHU_TIMEOUT s: $*"
	elif [ $st -ge 128 ]; then
		bad "$what: killed by signal $((st - 128)): $*"
	elif [ $st -eq 0 ]; then
		if [ -n "$ACCEPT" ] && cmp -s "$tmp/out" "$ACCEPT"; then ok; else bad "$what: accepted (exit 0): $*"; fi
	elif grep -qF "chu: $path: " "$tmp/err"; then
		ok
	else
		bad "$what: exit $st without a 'chu: $path: …' message: $* => $(head -c 200 "$tmp/err" | tr '\n' ' ')"
	fi
}

# byte FILE POS: the byte at POS as a number; u32 FILE POS: a little-endian u32 at POS
byte() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n'; }
u32() { od -An -tu1 -j "$2" -N4 "$1" | awk '{ print $1 + 256 * ($2 + 256 * ($3 + 256 * $4)) }'; }
# flip FILE POS BIT: flips one bit in place; unflip FILE POS puts the byte back
flip() {
	was=$(byte "$1" "$2")
	printf "\\$(printf %03o $((was ^ (1 << $3))))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
unflip() { printf "\\$(printf %03o "$was")" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# garbage N SEED: N pseudo-random bytes, the same for the same seed
garbage() {
	printf "$(awk -v n="$1" -v s="$2" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "\\%03o", int(rand() * 256) }')"
}

printf 'Học sinh đọc sách ở thư viện Hà Nội. Ông Nguyễn Văn An đến Đà Nẵng.\n' >"$tmp/in.txt"
printf 'Hoc sinh doc sach o thu vien\n' >"$tmp/plain.txt"
# a small index, for search --any --accent-model and for the damaged indexes below
mkdir -p "$tmp/docs"
awk -v dir="$tmp/docs" 'BEGIN {
	split("Đà Nẵng|Hoà Bình|Cần Thơ|Huế|Lào Cai", p, "|")
	for (k = 0; k < 6; k++) {
		f = dir "/tin" k ".txt"
		printf "Tin số %d về %s\nHội nông dân %s họp lần thứ %d bàn về mùa lúa và nước sạch cho bà con.\n", k, p[k % 5 + 1], p[k % 5 + 1], k >f
		close(f)
	}
	f = dir "/kho.jsonl"
	for (r = 0; r < 400; r++)
		printf "{\"id\":\"r%d\",\"title\":\"Bản ghi %d tại %s\",\"text\":\"Các thành viên ASEM và người dân %s thảo luận lần thứ %d về kinh tế xanh, phụ nữ và hoà bình. Hợp tác xã số %d mở rộng.\"}\n", r, r, p[r % 5 + 1], p[(r + 2) % 5 + 1], r, r * 7 >f
}'
"$CHU" index --entities=rules "$tmp/idx" "$tmp/docs" 2>"$tmp/err" && ok || bad "cannot build the small index: $(cat "$tmp/err")"

# ---- models -----------------------------------------------------------------------------------
# as root, a wrapper that runs chu as nobody (for the unreadable file), when setpriv can
as_nobody=
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	as_nobody=$tmp/as-nobody
	printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups %s "$@"\n' "$(realpath "$CHU")" >"$as_nobody"
	chmod 755 "$as_nobody" "$tmp"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$(realpath "$CHU")" --help >/dev/null 2>&1 || as_nobody=
fi
# opts KIND: the commands that take a model of KIND, one a line, for eval with F the model
opts() {
	case $1 in
	seg) printf '%s\n' 'seg --model "$F" "$IN"' 'pos --model "$F" "$IN"' 'ner --model "$F" "$IN"' 'annotate --model "$F" "$IN"' ;;
	pos) printf '%s\n' 'pos --pos-model "$F" "$IN"' 'ner --pos-model "$F" "$IN"' 'annotate --pos-model "$F" "$IN"' ;;
	ner) printf '%s\n' 'ner --ner-model "$F" "$IN"' 'annotate --ner-model "$F" "$IN"' ;;
	accent) printf '%s\n' 'accent --model "$F" "$PLAIN"' 'search --any --accent-model "$F" "$IDX" hoa' ;;
	esac
}
IN=$tmp/in.txt PLAIN=$tmp/plain.txt IDX=$tmp/idx
# try WHAT FILE N: runs the Nth command (counting round the list; 0: all of them) that takes a
# model of $kind (listed in $tmp/opts, $nopts of them), with FILE as that model
try() {
	l=0
	while read -r c; do
		l=$((l + 1))
		[ "$3" -eq 0 ] || [ "$l" -eq $(($3 % nopts + 1)) ] || continue
		F=$2
		eval "expect_error \"\$kind: \$1\" \"\$2\" \"\$CHU\" $c"
	done <"$tmp/opts"
}
# try_sealed WHAT N: like try with $m, which has a right checksum: it may be accepted (exit 0),
# else it is a clean error; never a signal or a hang
try_sealed() {
	l=0
	while read -r c; do
		l=$((l + 1))
		[ "$l" -eq $(($2 % nopts + 1)) ] || continue
		F=$m
		eval "\$to \"\$CHU\" $c" >/dev/null 2>"$tmp/err" </dev/null
		st=$?
		if [ $st -eq 0 ] || { [ $st -lt 124 ] && grep -q '^chu: ' "$tmp/err"; }; then ok; else
			bad "$kind: $1, checksum made right: exit $st: $(eval "echo chu $c"): $(head -c 200 "$tmp/err" | tr '\n' ' ')"
		fi
	done <"$tmp/opts"
}

# reseal FILE POS BIT: flips a bit and writes the right checksum into a model file (a helper
# built here from libchu.a)
lib=${BUILD:-$(dirname "$CHU")}/libchu.a
cat >"$tmp/reseal.c" <<'C'
/* reseal FILE [POS BIT]: flips bit BIT of byte POS, then stores the checksum of the bytes from
 * offset 48 on at offset 40, as the model writer does, so that the damage reaches the section
 * parsers. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	FILE *f = argc == 2 || argc == 4 ? fopen(argv[1], "r+b") : NULL;
	if (!f || fseek(f, 0, SEEK_END) != 0)
		return 1;
	long n = ftell(f);
	unsigned char *p = n >= 48 ? malloc((size_t)n) : NULL;
	if (!p || fseek(f, 0, SEEK_SET) != 0 || fread(p, 1, (size_t)n, f) != (size_t)n)
		return 1;
	if (argc == 4) {
		long pos = atol(argv[2]);
		unsigned char bit = (unsigned char)(1u << (atoi(argv[3]) & 7));
		if (pos < 48 || pos >= n || fseek(f, pos, SEEK_SET) != 0 || fputc(p[pos] ^ bit, f) == EOF)
			return 1;
		p[pos] ^= bit;
	}
	uint64_t h = chu__model_sum(p + 48, (size_t)n - 48);
	unsigned char le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(h >> (8 * i));
	if (fseek(f, 40, SEEK_SET) != 0 || fwrite(le, 1, 8, f) != 8 || fclose(f) != 0)
		return 1;
	free(p);
	return 0;
}
C
# (a library built with sanitizers needs them at link time too)
if [ -r "$lib" ] && { ${CC:-cc} -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -o "$tmp/reseal" "$tmp/reseal.c" "$lib" \
	-lutf8proc -lsqlite3 -lpthread -lm 2>"$tmp/err" || ${CC:-cc} -std=c11 -D_GNU_SOURCE -fsanitize=address,undefined \
	-Iinclude -Isrc -o "$tmp/reseal" "$tmp/reseal.c" "$lib" -lutf8proc -lsqlite3 -lpthread -lm 2>"$tmp/err"; }; then
	reseal=$tmp/reseal
else
	reseal=
	skipped "no reseal helper (needs a C compiler and $lib): sections damaged behind a right checksum are not tried"
fi

for kind in seg pos ner accent; do
	src=models/$kind.chm
	if [ ! -r "$src" ]; then
		skipped "$src absent"
		continue
	fi
	# the intact model works through every option (else the checks below prove nothing)
	F=$src
	opts "$kind" | while read -r c; do
		eval "\$to \"\$CHU\" $c" >/dev/null 2>"$tmp/err" </dev/null || echo "FAIL damaged.sh: $kind: the intact model fails: chu $c: $(head -c 200 "$tmp/err")"
	done >"$tmp/intact"
	if [ -s "$tmp/intact" ]; then
		fail=$((fail + $(wc -l <"$tmp/intact")))
		cat "$tmp/intact"
	else
		ok
	fi
	opts "$kind" >"$tmp/opts"
	nopts=$(wc -l <"$tmp/opts")
	size=$(wc -c <"$src" | tr -d ' ')
	m=$tmp/$kind.chm
	cp "$src" "$m"
	nsec=$(u32 "$m" 48)

	: >"$tmp/zero.chm"
	try "zero-length file" "$tmp/zero.chm" 0
	garbage 5000 7 >"$tmp/random.chm"
	try "random bytes" "$tmp/random.chm" 0
	{ printf 'CHUMODEL'; garbage 5000 8; } >"$tmp/magic.chm"
	try "random bytes after the magic" "$tmp/magic.chm" 0
	{ head -c 56 "$m"; garbage 4000 9; } >"$tmp/header.chm"
	try "a right header and random bytes" "$tmp/header.chm" 0
	mkdir -p "$tmp/dir.chm"
	try "a directory" "$tmp/dir.chm" 0
	if command -v mkfifo >/dev/null 2>&1 && mkfifo "$tmp/fifo.chm"; then
		try "a FIFO" "$tmp/fifo.chm" 0
		rm -f "$tmp/fifo.chm"
	else
		skipped "$kind: no FIFO"
	fi
	if [ "$(id -u)" -ne 0 ]; then
		cp "$m" "$tmp/unreadable.chm" && chmod 000 "$tmp/unreadable.chm"
		try "an unreadable file" "$tmp/unreadable.chm" 0
		rm -f "$tmp/unreadable.chm"
	elif [ -n "$as_nobody" ]; then
		# root reads any file: the commands run as nobody, through a wrapper
		cp "$m" "$tmp/unreadable.chm" && chmod 000 "$tmp/unreadable.chm"
		chu_was=$CHU CHU=$as_nobody
		try "an unreadable file" "$tmp/unreadable.chm" 0
		CHU=$chu_was
		rm -f "$tmp/unreadable.chm"
	else
		skipped "$kind: an unreadable file (running as root without setpriv)"
	fi
	# a model of another kind (each through one of the options, in turn)
	i=1
	for other in seg pos ner accent; do
		[ "$other" = "$kind" ] || [ ! -r "models/$other.chm" ] && continue
		try "a $other model" "models/$other.chm" $i
		i=$((i + 1))
	done

	# cut short at many lengths, and one byte too long
	first=$(u32 "$m" $((56 + 24)))
	lastoff=$(u32 "$m" $((56 + 40 * (nsec - 1) + 24)))
	i=0
	for len in 1 7 8 12 16 24 32 40 47 48 52 55 56 57 $((56 + 40 * nsec - 1)) $((56 + 40 * nsec)) "$first" \
		$((first + 5)) $((size / 2)) $((lastoff + 1)) $((size - 8)) $((size - 1)); do
		head -c "$len" "$m" >"$tmp/cut.chm"
		try "cut to $len of $size bytes" "$tmp/cut.chm" $i
		i=$((i + 1))
	done
	{ cat "$m"; printf '\0'; } >"$tmp/cut.chm"
	try "one byte too long" "$tmp/cut.chm" 0
	rm -f "$tmp/cut.chm"

	# one bit flipped: every header field, every table entry, each section's start, middle, end
	set --
	for p in 0 7 8 12 16 20 22 24 31 32 39 40 47 48 52; do set -- "$@" "$p"; done
	s=0
	while [ "$s" -lt "$nsec" ]; do
		e=$((56 + 40 * s))
		off=$(u32 "$m" $((e + 24)))
		len=$(u32 "$m" $((e + 32)))
		if [ -n "$all" ]; then
			set -- "$@" "$e" $((e + 23)) $((e + 24)) $((e + 31)) $((e + 32)) $((e + 39))
			[ "$len" -gt 0 ] && set -- "$@" "$off" $((off + len / 2)) $((off + len - 1))
		else
			set -- "$@" $((e + s * 13 % 40))
			[ "$len" -gt 0 ] && set -- "$@" $((off + s * 11 % len))
		fi
		s=$((s + 1))
	done
	set -- "$@" $((size - 1))
	i=0
	for p in "$@"; do
		bit=$((i % 8))
		flip "$m" "$p" "$bit"
		try "bit $bit of byte $p flipped" "$m" $i
		unflip "$m" "$p"
		i=$((i + 1))
	done
	# the same behind a right checksum, so that the section parsers see the damage: table entries
	# (offsets, sizes, names) and the first words, the middle, the end and seeded places of every
	# section
	if [ -n "$reseal" ]; then
		set --
		s=0
		while [ "$s" -lt "$nsec" ]; do
			e=$((56 + 40 * s))
			off=$(u32 "$m" $((e + 24)))
			len=$(u32 "$m" $((e + 32)))
			if [ -n "$all" ]; then
				set -- "$@" $((e + 3)) $((e + 24)) $((e + 26)) $((e + 32)) $((e + 34))
				[ "$len" -gt 0 ] && set -- "$@" "$off" $((off + 1)) $((off + 3)) $((off + 4)) $((off + 7)) \
					$((off + len / 2)) $((off + len - 1))
				k=6
			else
				set -- "$@" $((e + 24 + s % 3)) $((e + 32 + s % 3))
				[ "$len" -gt 0 ] && set -- "$@" $((off + s % 8))
				k=1
			fi
			[ "$len" -gt 0 ] &&
				set -- "$@" $(awk -v s="$s" -v o="$off" -v n="$len" -v k="$k" 'BEGIN { srand(s + 1); for (i = 0; i < k; i++) print o + int(rand() * n) }')
			s=$((s + 1))
		done
		i=0
		for p in "$@"; do
			bit=$(((i * 3) % 8))
			was=$(byte "$m" "$p")
			"$reseal" "$m" "$p" "$bit" || bad "$kind: cannot damage byte $p"
			try_sealed "bit $bit of byte $p flipped" $i
			unflip "$m" "$p"
			dd if="$src" of="$m" bs=1 skip=40 seek=40 count=8 conv=notrunc 2>/dev/null
			i=$((i + 1))
		done
	fi
	cmp -s "$m" "$src" && ok || bad "$kind: the copy was not restored after the bit flips"
	rm -f "$m" "$tmp/zero.chm" "$tmp/random.chm" "$tmp/magic.chm" "$tmp/header.chm"
	rmdir "$tmp/dir.chm"
done

# ---- indexes ----------------------------------------------------------------------------------
# Each damaged copy is searched with a broad query and an entity filter: a clean error, or
# exactly the intact answer.
q1=hoà q2='org:ASEM kinh'
"$CHU" search --json --limit 1000 "$tmp/idx" "$q1" >"$tmp/want1" 2>/dev/null
"$CHU" search --json --limit 1000 "$tmp/idx" "$q2" >"$tmp/want2" 2>/dev/null
[ "$(grep -c '^{' "$tmp/want1")" -ge 400 ] && [ "$(grep -c '^{' "$tmp/want2")" -eq 400 ] && ok ||
	bad "the intact index: $(grep -c '^{' "$tmp/want1") and $(grep -c '^{' "$tmp/want2") hits"
mkdir -p "$tmp/more"
printf 'Tin thêm\nNgười dân Huế đón mùa lúa mới.\n' >"$tmp/more/them.txt"
# search_damaged WHAT: searches $tmp/d.db (damaged by the caller), then adds to it
search_damaged() {
	ACCEPT=$tmp/want1 expect_error "index $1 (search $q1)" "$tmp/d.db" "$CHU" search --json --limit 1000 "$tmp/d.db" "$q1"
	r1=$st
	ACCEPT=$tmp/want2 expect_error "index $1 (search $q2)" "$tmp/d.db" "$CHU" search --json --limit 1000 "$tmp/d.db" "$q2"
	echo "index $1: search exits $r1 and $st$([ "$st" -ne 0 ] && head -n 1 "$tmp/err" | sed 's/^/: /')"
	# adding to it may work (SQLite rebuilds what it can) but must not crash or hang
	$to "$CHU" index "$tmp/d.db" "$tmp/more" >/dev/null 2>"$tmp/err" </dev/null
	st=$?
	if [ $st -eq 0 ] || { [ $st -lt 124 ] && grep -qF "chu: $tmp/d.db: " "$tmp/err"; }; then ok; else
		bad "index $1: chu index exits $st: $(head -c 200 "$tmp/err" | tr '\n' ' ')"
	fi
	rm -f "$tmp/d.db" "$tmp/d.db-wal" "$tmp/d.db-shm"
}
if [ ! -s "$tmp/idx" ]; then
	skipped "no index to damage"
else
	isize=$(wc -c <"$tmp/idx" | tr -d ' ')
	psize=$(od -An -tu1 -j 16 -N2 "$tmp/idx" | awk '{ print $1 == 0 && $2 == 1 ? 65536 : $1 * 256 + $2 }')
	pages=$((isize / psize))
	: >"$tmp/d.db"
	search_damaged "zero-length"
	printf 'Đây không phải là một cơ sở dữ liệu SQLite.\n' >"$tmp/d.db"
	search_damaged "not SQLite"
	garbage 8192 11 >"$tmp/d.db"
	search_damaged "random bytes"
	for len in 50 100 "$psize" $((2 * psize)) $((isize / 2)) $((isize - psize)) $((isize - 1)); do
		head -c "$len" "$tmp/idx" >"$tmp/d.db"
		search_damaged "cut to $len of $isize bytes"
	done
	for s in 1 2 3 4 5 6 7 8; do
		# page 1 (the header and schema), then pages picked by the seed
		if [ "$s" -eq 1 ]; then pg=0; else pg=$(awk -v s="$s" -v n="$pages" 'BEGIN { srand(s); print int(rand() * n) }'); fi
		cp "$tmp/idx" "$tmp/d.db"
		garbage "$psize" "$s" | dd of="$tmp/d.db" bs="$psize" seek="$pg" conv=notrunc 2>/dev/null
		search_damaged "page $((pg + 1)) of $pages overwritten (seed $s)"
	done
	for s in 1 2 3; do
		# a page copied over another: well-formed, but in the wrong place
		pg=$(awk -v s="$s" -v n="$pages" 'BEGIN { srand(s + 100); print int(rand() * (n - 1)) + 1 }')
		cp "$tmp/idx" "$tmp/d.db"
		dd if="$tmp/idx" bs="$psize" skip=$(((pg + 7) % pages)) count=1 2>/dev/null |
			dd of="$tmp/d.db" bs="$psize" seek="$pg" conv=notrunc 2>/dev/null
		search_damaged "page $((pg + 1)) replaced by page $(((pg + 7) % pages + 1))"
	done
	cp "$tmp/idx" "$tmp/d.db"
	garbage 20000 12 >"$tmp/d.db-wal"
	search_damaged "with a garbage -wal file"
	cp "$tmp/idx" "$tmp/d.db"
	# magic, format 3007000, page size 4096 (as chu's indexes have), then garbage: the salts and
	# checksums cannot match
	{ printf '\067\177\006\202\000\055\342\030\000\000\020\000'; garbage 20000 13; } >"$tmp/d.db-wal"
	search_damaged "with a -wal file of garbage after a WAL magic"
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
