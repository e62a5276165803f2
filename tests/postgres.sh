#!/bin/sh
# The PostgreSQL extension (ext/postgres) against a real server: builds it, installs it into a
# temporary copy of the PostgreSQL installation (the system one is left alone), initdb's a cluster
# in a temporary directory, starts it on a Unix socket only, runs the pg_regress suite
# (make -C ext/postgres installcheck), then checks parity with the SQLite index: the seed articles
# (../shared/data/seeds, when present) and examples/*.txt indexed by `chu index` and by a
# PostgreSQL table: the same keys at the same positions as the SQLite tokenizer (on those texts
# and on random mixes), and for each query, with and without marks, the same documents found (the
# exact hits of `chu search --all`; documents known by file name).
# Prints "ok - …"/"not ok - …" for each check and ends with "N passed, N failed[, N skipped]".
# Skipped with a message when PostgreSQL (server and postgresql-server-dev) is missing, and in a
# sanitizer build. Run as root (as CI does), the server runs as the user postgres (runuser).
: "${BUILD:=build}"
: "${CHU:=$BUILD/chu}"
: "${PG_CONFIG:=pg_config}"
pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
skip_all() { echo "skip postgres: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }

[ -z "${CHU_ASAN:-}" ] || skip_all "the sanitizer build cannot be loaded into the server"
command -v "$PG_CONFIG" >/dev/null 2>&1 || skip_all "no $PG_CONFIG (postgresql-server-dev-15)"
bindir=$("$PG_CONFIG" --bindir) sharedir=$("$PG_CONFIG" --sharedir) pkglibdir=$("$PG_CONFIG" --pkglibdir)
for b in postgres initdb pg_ctl psql; do
	[ -x "$bindir/$b" ] || skip_all "no $bindir/$b (postgresql-15)"
done
as_pg=""
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || skip_all "running as root and there is no user postgres to run the server"
	as_pg="runuser -u postgres --"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chu-pg.XXXXXX") || exit 1
chmod 755 "$tmp"
run="$tmp/run" # data directory, socket and log: the server's own
inst="$tmp/inst"
started=""
cleanup() {
	[ -n "$started" ] && $as_pg "$inst$bindir/pg_ctl" -D "$run/data" -m fast -w stop >/dev/null 2>&1
	[ -n "${CHU_PG_KEEP:-}" ] && { echo "# kept $tmp"; return; }
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- build, and install into a copy of the installation ----
# The copy: the server's programs copied (PostgreSQL finds its share and lib directories from the
# place of its own binary), everything else linked to the system's, and the extension's files real.
if ! make -s -C ext/postgres >"$tmp/build.log" 2>&1; then
	bad "make -C ext/postgres: $(tail -n 5 "$tmp/build.log")"
	echo "$pass passed, $fail failed"; exit 1
fi
ok "make -C ext/postgres"
if ! make -s -C ext/postgres install DESTDIR="$inst" with_llvm=no >"$tmp/install.log" 2>&1; then
	bad "make -C ext/postgres install DESTDIR=…: $(tail -n 5 "$tmp/install.log")"
	echo "$pass passed, $fail failed"; exit 1
fi
mkdir -p "$inst$bindir" "$inst$sharedir/extension" "$inst$pkglibdir"
cp "$bindir/postgres" "$bindir/initdb" "$bindir/pg_ctl" "$inst$bindir/"
for d in "$pkglibdir" "$sharedir" "$sharedir/extension"; do
	for f in "$d"/*; do
		[ -e "$inst$d/${f##*/}" ] || ln -s "$f" "$inst$d/"
	done
done
ok "installed into a temporary copy of $("$PG_CONFIG" --version)"

# ---- a cluster of our own, on a Unix socket only ----
mkdir -p "$run"
[ -n "$as_pg" ] && chown postgres "$run"
if ! $as_pg "$inst$bindir/initdb" -D "$run/data" -U postgres -E UTF8 --no-locale -A trust >"$tmp/initdb.log" 2>&1; then
	bad "initdb: $(tail -n 5 "$tmp/initdb.log")"
	echo "$pass passed, $fail failed"; exit 1
fi
port=5432
if ! $as_pg "$inst$bindir/pg_ctl" -D "$run/data" -l "$run/server.log" -w -t 60 \
	-o "-k $run -c listen_addresses='' -p $port -c fsync=off" start >"$tmp/start.log" 2>&1; then
	bad "the server did not start: $(tail -n 5 "$run/server.log" 2>/dev/null)"
	echo "$pass passed, $fail failed"; exit 1
fi
started=1
export PGHOST="$run" PGPORT="$port" PGUSER=postgres
unset PGDATABASE PGSERVICE PGPASSWORD
psql="$bindir/psql -X -q -v ON_ERROR_STOP=1"
ok "initdb and server started (socket $run, no TCP)"

# ---- the pg_regress suite ----
make -s -C ext/postgres installcheck >"$tmp/regress.log" 2>&1
regress_rc=$?
n_ok=$(grep -cE '^test [a-z_]+ +\.\.\. ok' "$tmp/regress.log")
for t in $(sed -n 's/^test \([a-z_]*\) .*\.\.\. *FAILED.*/\1/p' "$tmp/regress.log"); do
	bad "pg_regress $t: $(head -n 20 ext/postgres/regression.diffs 2>/dev/null)"
done
if [ "$regress_rc" -eq 0 ] && [ "$n_ok" -gt 0 ]; then
	ok "pg_regress: $n_ok tests ($(sed -n 's/^REGRESS = //p' ext/postgres/Makefile))"
elif ! grep -q 'FAILED' "$tmp/regress.log"; then
	bad "make installcheck: $(tail -n 10 "$tmp/regress.log")"
fi

# ---- parity with the SQLite index ----
if ! command -v sqlite3 >/dev/null 2>&1 || [ ! -x "$CHU" ]; then
	skipped=$((skipped + 1)); echo "skip parity: no sqlite3 shell or no $CHU"
else
	set -- examples/*.txt
	if [ -d ../shared/data/seeds ]; then
		set -- ../shared/data/seeds/*.txt "$@"
	else
		skipped=$((skipped + 1)); echo "skip parity on the seed articles: ../shared/data is absent (examples only)"
	fi
	ndocs=$#
	if ! "$CHU" index --entities=none "$tmp/ix.db" "$@" >"$tmp/index.log" 2>&1; then
		bad "chu index: $(tail -n 3 "$tmp/index.log")"
	else
		model=""
		[ -f models/seg.chm ] && model="$(pwd)/models/seg.chm"
		# the very texts chu index stored (cleaned, title apart), into PostgreSQL
		sqlite3 -csv "$tmp/ix.db" "SELECT d.key, c.c0, c.c1 FROM docs d JOIN docs_fts_content c ON c.id = d.id" >"$tmp/docs.csv"
		$psql -d postgres >"$tmp/load.log" 2>&1 <<-EOF
			CREATE DATABASE parity TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C';
			\c parity
			CREATE EXTENSION chu;
			CREATE TABLE docs (id text PRIMARY KEY, title text, body text,
				fts tsvector GENERATED ALWAYS AS
					(to_tsvector('vietnamese', coalesce(title, '')) || to_tsvector('vietnamese', coalesce(body, ''))) STORED);
			\copy docs (id, title, body) FROM '$tmp/docs.csv' CSV
			CREATE INDEX docs_fts ON docs USING gin (fts);
			-- and with word keys (chu.model): queries find the same documents
			ALTER TABLE docs ADD COLUMN fts_words tsvector;
			SET chu.model = '$model';
			UPDATE docs SET fts_words = to_tsvector('vietnamese', coalesce(title, '')) || to_tsvector('vietnamese', coalesce(body, ''));
		EOF
		loaded=$(echo "SELECT count(*) FROM docs" | $psql -At -d parity 2>/dev/null)
		words=$(echo "SELECT count(*) FROM docs, unnest(fts_words) u WHERE strpos(u.lexeme, '_') > 0" | $psql -At -d parity 2>/dev/null)
		if [ "$loaded" = "$ndocs" ] && { [ -z "$model" ] || [ "${words:-0}" -gt 0 ]; }; then
			ok "parity: $ndocs documents in SQLite and PostgreSQL (and ${words:-0} word keys from chu.model)"
		else
			bad "parity: $ndocs documents indexed, ${loaded:-none} in PostgreSQL: $(tail -n 3 "$tmp/load.log")"
		fi
		# the same keys as the SQLite tokenizer, position for position: on these texts and on
		# 2,000 random mixes of letters, combining marks, digits, ignorables, punctuation, spaces
		if [ -f "$BUILD/chu_sqlite.so" ]; then
			$psql -d parity >"$tmp/mix.log" 2>&1 <<-EOF
				SELECT setseed(0.21);
				CREATE TABLE mix AS
					SELECT row_number() OVER () AS g, s FROM (
						SELECT title AS s FROM docs UNION ALL SELECT body FROM docs UNION ALL
						SELECT (SELECT string_agg(chr((ARRAY[32, 10, 9, 46, 44, 45, 95, 48, 55, 97, 65, 105, 121, 7841,
							768, 769, 770, 771, 803, 832, 8203, 173, 65279, 12288, 8232, 128512, 272, 432, 224, 233,
							7879, 1488, 3585, 20013, 39, 34, 60, 38])[1 + floor(random() * 38)::int]), '')
							FROM generate_series(1, 1 + (random() * 200)::int) WHERE i > 0)
						FROM generate_series(1, 2000) i) t;
				\copy mix TO '$tmp/mix.csv' CSV
				\copy (SELECT g, u.lexeme, p - 1 FROM mix, unnest(to_tsvector('vietnamese', s)) u, unnest(u.positions) p) TO '$tmp/keys.pg'
			EOF
			sqlite3 "$tmp/mix.db" ".load $BUILD/chu_sqlite" "CREATE TABLE mix(g INTEGER, s TEXT);" ".mode csv" \
				".import $tmp/mix.csv mix" "CREATE VIRTUAL TABLE t USING fts5(s, tokenize = 'chu');" \
				"INSERT INTO t(rowid, s) SELECT g, s FROM mix;" "CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');" \
				".mode tabs" ".once $tmp/keys.sqlite" "SELECT doc, term, offset FROM v;" >"$tmp/mix.sqlite.log" 2>&1
			LC_ALL=C sort "$tmp/keys.pg" >"$tmp/keys.a" 2>/dev/null
			LC_ALL=C sort "$tmp/keys.sqlite" >"$tmp/keys.b" 2>/dev/null
			nkeys=$(wc -l <"$tmp/keys.a" | tr -d ' ')
			if [ "$nkeys" -gt 0 ] && cmp -s "$tmp/keys.a" "$tmp/keys.b"; then
				ok "the same $nkeys keys at the same positions as the SQLite tokenizer ($((ndocs * 2 + 2000)) texts)"
			else
				bad "keys differ from the SQLite tokenizer: $(diff "$tmp/keys.a" "$tmp/keys.b" | head -n 6 | tr '\n' ' ') $(tail -n 3 "$tmp/mix.log" "$tmp/mix.sqlite.log")"
			fi
		else
			skipped=$((skipped + 1)); echo "skip key parity: no $BUILD/chu_sqlite.so"
		fi
		# each query typed without marks and with them
		for q in 'phu nu' 'phụ nữ' 'viet nam' 'Việt Nam' 'hoi nghi' 'hội nghị' '"phu nu"' '"phụ nữ"' 'kinh te' \
			'kinh tế' 'hop tac' 'hợp tác' 'nong nghiep xanh' 'nông nghiệp xanh' 'van hoa doc' 'văn hóa đọc' \
			'thoa thuan' 'thỏa thuận' 'can tho' 'Cần Thơ' 'binh dang gioi' 'bình đẳng giới' 'da nang' 'Đà Nẵng' \
			'"dai bieu"' '"đại biểu"' 'lao' 'Lào' 'quoc gia' 'quốc gia' 'chinh phu' 'chính phủ' 'y te' 'y tế' \
			'"thành viên ASEM"' 'asean' 'kinh*' 'hop tac -asean' 'lao OR australia' 'phu nu la gi'; do
			"$CHU" search --all --json --limit 10000 "$tmp/ix.db" "$q" 2>"$tmp/search.err" |
				sed -n 's/^{"id":"\([^"]*\)".*"exact":true.*/\1/p' | sed 's|.*/||' | LC_ALL=C sort >"$tmp/a"
			printf '%s\n' "SELECT id FROM docs WHERE fts @@ chu_tsquery(:'q');" |
				$psql -At -d parity -v q="$q" 2>"$tmp/pg.err" | sed 's|.*/||' | LC_ALL=C sort >"$tmp/b"
			printf '%s\n' "SELECT id FROM docs WHERE fts_words @@ chu_tsquery(:'q');" |
				$psql -At -d parity -v q="$q" 2>>"$tmp/pg.err" | sed 's|.*/||' | LC_ALL=C sort >"$tmp/c"
			n=$(wc -l <"$tmp/a" | tr -d ' ')
			if [ -s "$tmp/search.err" ] || [ -s "$tmp/pg.err" ]; then
				bad "parity '$q': $(cat "$tmp/search.err" "$tmp/pg.err" | head -n 3)"
			elif cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/b" "$tmp/c"; then
				ok "parity '$q': the same $n documents"
			elif cmp -s "$tmp/a" "$tmp/b"; then
				bad "parity '$q': with word keys: $(comm -3 "$tmp/b" "$tmp/c" | tr '\n' ' ')"
			else
				bad "parity '$q': SQLite only: $(comm -23 "$tmp/a" "$tmp/b" | tr '\n' ' ')PostgreSQL only: $(comm -13 "$tmp/a" "$tmp/b" | tr '\n' ' ')"
			fi
		done
	fi
fi

if [ "$skipped" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skipped skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
