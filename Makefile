# chu — build, test, install. `make help` lists the targets.
CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN     := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
DEFS     := -D_GNU_SOURCE -Iinclude -Isrc
DEPLIBS  := -lutf8proc -lsqlite3 -lpthread -lm
CLILIBS  := -lz -lmicrohttpd
# the Python package goes where the system python3 looks (/usr/local/lib/python3.11/dist-packages)
PYDIR    ?= $(PREFIX)/lib/python$(shell /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3)/dist-packages
VERSION  := $(shell sed -n 's/^#define CHU_VERSION_STRING "\(.*\)"/\1/p' include/chu.h)

LIB_SRC  := $(sort $(wildcard src/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
# the FTS5 tokenizer is part of libchu: src/index.c searches with it
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/ext/sqlite/chu_fts5.o
PIC_OBJ  := $(LIB_SRC:%.c=$(BUILD)/pic/%.o) $(BUILD)/pic/ext/sqlite/chu_fts5.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/web_files.o
WEB      := $(sort $(wildcard web/*.html web/*.js web/*.css web/*.svg web/*.png web/*.ico))
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all test test-long asan bench bench-search bench-serve model install uninstall clean format help generated check-generated
all: $(BUILD)/libchu.a $(BUILD)/libchu.so $(BUILD)/chu $(BUILD)/chu.pc $(BUILD)/chu_sqlite.so

help:
	@echo "make            build build/libchu.a, build/libchu.so, build/chu"
	@echo "make test       run the whole test suite (ends with 'N passed, N failed')"
	@echo "make asan       the suite under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make tsan       the threaded tests under ThreadSanitizer"
	@echo "make fuzz       each libFuzzer harness for FUZZ_SECONDS (default 60)"
	@echo "make test-long  the crash-safety test with many kill -9 runs"
	@echo "make bench      throughput of norm/sent/tok/seg beside wc -w on the same bytes"
	@echo "make bench-search  retrieval quality, indexing speed, query latency beside SQLite's unicode61"
	@echo "make bench-serve   chu serve under wrk on 40,000 news articles (requests/s, latency)"
	@echo "make model      retrain models/ from ../shared/data"
	@echo "make install PREFIX=/usr/local"

$(BUILD)/%.o: %.c include/chu.h src/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(DEFS) -fvisibility=hidden -c $< -o $@

$(BUILD)/pic/%.o: %.c include/chu.h src/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(DEFS) -fvisibility=hidden -fPIC -c $< -o $@

$(BUILD)/libchu.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libchu.so: $(PIC_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,-soname,libchu.so.0 -o $@ $^ $(DEPLIBS)

# chu serve's page: web/ embedded in the binary
$(BUILD)/embed: tools/embed.c
	@mkdir -p $(BUILD)
	$(CC) -O1 -o $@ $<
$(BUILD)/web_files.c: $(BUILD)/embed $(WEB)
	$(BUILD)/embed $@ $(WEB)
$(BUILD)/web_files.o: $(BUILD)/web_files.c cli/serve.h
	$(CC) $(CFLAGS) -Icli -c $< -o $@

$(BUILD)/chu: $(CLI_OBJ) $(BUILD)/libchu.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libchu.a $(DEPLIBS) $(CLILIBS)

$(BUILD)/tests/%: tests/%.c tests/harness.h tests/bytes.h $(BUILD)/libchu.a $(BUILD)/ext/sqlite/chu_fts5.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(DEFS) -Itests -o $@ $< $(BUILD)/ext/sqlite/chu_fts5.o $(BUILD)/libchu.a $(DEPLIBS)

# The FTS5 tokenizer as a loadable SQLite extension, with libchu inside it (but not the parts that
# call SQLite directly: the extension reaches SQLite through the host's sqlite3_api).
EXT_OBJ  := $(filter-out $(BUILD)/pic/src/index.o $(BUILD)/pic/ext/sqlite/chu_fts5.o,$(PIC_OBJ))
$(BUILD)/chu_sqlite.so: ext/sqlite/chu_fts5.c $(EXT_OBJ)
	$(CC) $(CFLAGS) $(WARN) $(DEFS) -DCHU_SQLITE_EXTENSION -fPIC -fvisibility=hidden -shared -o $@ $< $(EXT_OBJ) -lutf8proc -lm

$(BUILD)/chu.pc: chu.pc.in include/chu.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

test: all $(TESTS)
	@CHU=$(BUILD)/chu BUILD=$(BUILD) sh tests/run.sh $(TESTS)

# The whole suite again with sanitizers, in its own build directory.
asan:
	CHU_ASAN=1 $(MAKE) --no-print-directory BUILD=build-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

# The kill -9 crash-safety test with many runs (make test runs a few).
test-long: all
	@CHU=$(BUILD)/chu CHU_KILL_RUNS=$${CHU_KILL_RUNS:-24} sh tests/crash.sh

include tests/fuzz/fuzz.mk tests/fault/fault.mk

bench: all
	sh bench/bench.sh

# retrieval quality and indexing speed (XQuAD-vi, Wikipedia), then query latency (VietNews)
bench-search: all
	BUILD=$(BUILD) sh bench/bench_search.sh
	BUILD=$(BUILD) sh bench/bench_latency.sh

# chu serve under load: wrk against /api/search on 40,000 VietNews articles
bench-serve: all
	BUILD=$(BUILD) sh bench/bench_serve.sh

model: all
	sh tools/make-model.sh

# src/viet_table.h and src/char_table.h are generated from utf8proc; check-generated diffs them.
generated:
	@mkdir -p $(BUILD)
	$(CC) -O1 $(DEFS) -o $(BUILD)/gen_viet tools/gen_viet.c -lutf8proc && $(BUILD)/gen_viet > src/viet_table.h
	$(CC) -O1 $(DEFS) -o $(BUILD)/gen_chars tools/gen_chars.c -lutf8proc && $(BUILD)/gen_chars > src/char_table.h

check-generated:
	@mkdir -p $(BUILD)
	@$(CC) -O1 $(DEFS) -o $(BUILD)/gen_viet tools/gen_viet.c -lutf8proc && $(BUILD)/gen_viet > $(BUILD)/viet_table.h
	@$(CC) -O1 $(DEFS) -o $(BUILD)/gen_chars tools/gen_chars.c -lutf8proc && $(BUILD)/gen_chars > $(BUILD)/char_table.h
	@cmp $(BUILD)/viet_table.h src/viet_table.h && cmp $(BUILD)/char_table.h src/char_table.h && echo "generated tables up to date"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/chu
	install -m 755 $(BUILD)/chu $(DESTDIR)$(PREFIX)/bin/chu
	install -m 644 $(BUILD)/libchu.a $(DESTDIR)$(PREFIX)/lib/libchu.a
	install -m 755 $(BUILD)/chu_sqlite.so $(DESTDIR)$(PREFIX)/lib/chu_sqlite.so
	install -m 755 $(BUILD)/libchu.so $(DESTDIR)$(PREFIX)/lib/libchu.so.$(VERSION)
	ln -sf libchu.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libchu.so.0
	ln -sf libchu.so.0 $(DESTDIR)$(PREFIX)/lib/libchu.so
	install -m 644 include/chu.h $(DESTDIR)$(PREFIX)/include/chu.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' chu.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/chu.pc
	install -m 644 doc/chu.1 $(DESTDIR)$(PREFIX)/share/man/man1/chu.1
	if ls models/*.chm >/dev/null 2>&1; then install -m 644 models/*.chm $(DESTDIR)$(PREFIX)/share/chu/; fi
	install -d $(DESTDIR)$(PYDIR)/chu
	install -m 644 python/chu/*.py $(DESTDIR)$(PYDIR)/chu/
	printf 'LIB = "%s"\nMODELS = "%s"\n' "$(PREFIX)/lib/libchu.so.0" "$(PREFIX)/share/chu" > $(DESTDIR)$(PYDIR)/chu/_paths.py

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/chu $(DESTDIR)$(PREFIX)/lib/libchu.* $(DESTDIR)$(PREFIX)/lib/chu_sqlite.so $(DESTDIR)$(PREFIX)/include/chu.h \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/chu.pc $(DESTDIR)$(PREFIX)/share/man/man1/chu.1
	rm -rf $(DESTDIR)$(PREFIX)/share/chu $(DESTDIR)$(PYDIR)/chu

format:
	clang-format -i include/*.h src/*.c src/*.h cli/*.c tests/*.c tests/*.h

clean:
	rm -rf build build-asan
