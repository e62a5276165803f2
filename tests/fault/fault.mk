# Fault injection and ThreadSanitizer (tests/fault), included by the top Makefile.
#
# $(FAULT_SHIM) is the LD_PRELOAD library of tests/fault/shim.c that tests/faults.sh loads into
# the command to make pthread_create and writes to standard output fail; `make test` builds it.
# It is built without the sanitizers of the build it sits in (it must not pull in libasan).
#
# `make tsan` builds the library, the command and tests/fault/tsan_models.c with gcc
# -fsanitize=thread into build-tsan/ and runs tests/fault/tsan.sh: the threaded paths (chu seg
# --threads, threads sharing one model, threads searching one index) must give the results of
# one thread and no ThreadSanitizer report.
FAULT_SHIM := $(BUILD)/tests/fault_shim.so
TSAN_BUILD := build-tsan
TSAN_FLAGS := -O1 -g -fsanitize=thread

.PHONY: tsan

$(FAULT_SHIM): tests/fault/shim.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(WARN) -fPIC -shared -o $@ $< -ldl

test: $(FAULT_SHIM)

$(BUILD)/tests/tsan_models: tests/fault/tsan_models.c tests/harness.h tests/bytes.h $(BUILD)/libchu.a $(BUILD)/ext/sqlite/chu_fts5.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(DEFS) -Itests -o $@ $< $(BUILD)/ext/sqlite/chu_fts5.o $(BUILD)/libchu.a $(DEPLIBS)

tsan:
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CC=gcc CFLAGS="$(TSAN_FLAGS)" \
	  $(TSAN_BUILD)/chu $(TSAN_BUILD)/tests/tsan_models
	@CHU=$(TSAN_BUILD)/chu BUILD=$(TSAN_BUILD) sh tests/fault/tsan.sh
