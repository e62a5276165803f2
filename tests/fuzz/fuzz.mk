# libFuzzer harnesses (tests/fuzz), included by the top Makefile.
#
#   make fuzz          build every harness into build-fuzz/ and fuzz each for FUZZ_SECONDS (60)
#   make fuzz-ci       the same for 20 s each; ends with "N passed, N failed"
#   make fuzz-regress  run each harness once over its committed corpus, no fuzzing (seconds)
#   make fuzz-build    only build; FUZZ_TARGETS="norm tok" picks targets for any of these
#
# Fuzzing works on a scratch copy of tests/fuzz/corpus/<target> in build-fuzz/work/, so the
# committed corpus never grows by itself; crashes are saved in build-fuzz/crashes/. The library
# is compiled again here with the sanitizers' coverage hooks, apart from $(BUILD).

FUZZ_CC      ?= clang-14
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= norm clean sent tok stream seg tag accent model dict search jsonl index
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1
FUZZ_DEFS    := -D_GNU_SOURCE -Iinclude -Isrc -std=c11 -DCHU_REPO=\"$(CURDIR)\"
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) $(FUZZ_BUILD)/obj/ext/sqlite/chu_fts5.o
FUZZ_BINS     = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
# Says what is missing and fails, before anything is built, when there is no clang-14.
FUZZ_NEED_CC := command -v $(FUZZ_CC) >/dev/null 2>&1 || \
  { echo "fuzz: $(FUZZ_CC) not found: the harnesses need clang 14 with libFuzzer (apt-get install clang-14 libclang-rt-14-dev)"; exit 1; }

.PHONY: fuzz fuzz-ci fuzz-regress fuzz-build fuzz-bins
.SECONDARY: $(FUZZ_LIB_OBJ)

$(FUZZ_BUILD)/obj/%.o: %.c include/chu.h src/internal.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(WARN) $(FUZZ_DEFS) -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(WARN) $(FUZZ_DEFS) -Itests/fuzz -Icli -o $@ $< $(FUZZ_LIB_OBJ) $(DEPLIBS)

# The query parser of `chu search` lives in cli/search.c; its harness compiles that file in.
$(FUZZ_BUILD)/fuzz_search: cli/search.c cli/cli.h
$(FUZZ_BUILD)/fuzz_seg $(FUZZ_BUILD)/fuzz_dict: tests/fuzz/fuzz_seg.h
# JSONL ingest compiles cli/index.c in, which reads .gz files with zlib.
$(FUZZ_BUILD)/fuzz_jsonl $(FUZZ_BUILD)/fuzz_index: cli/index.c cli/cli.h tests/fuzz/fuzz_cli.h
$(FUZZ_BUILD)/fuzz_jsonl $(FUZZ_BUILD)/fuzz_index: DEPLIBS += $(CLILIBS)

fuzz-build:
	@$(FUZZ_NEED_CC)
	@$(MAKE) --no-print-directory fuzz-bins

fuzz-bins: $(FUZZ_BINS)
	@:

fuzz: fuzz-build
	@sh tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-ci: fuzz-build
	@sh tests/fuzz/run.sh fuzz 20 $(FUZZ_TARGETS)

fuzz-regress: fuzz-build
	@sh tests/fuzz/run.sh regress 0 $(FUZZ_TARGETS)
