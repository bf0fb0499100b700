# vsp — build, test, demo.  See README.md.
PKGS     := gdal proj libpq cairo inih libcrypto gsl zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CC       ?= gcc
OPT      ?= -O2 -g
CFLAGS   += -std=c11 $(OPT) -Wall -Wextra -Werror -fopenmp -D_DEFAULT_SOURCE -D_GNU_SOURCE $(PKG_CFLAGS) $(SAN)
LDLIBS   += $(PKG_LIBS) -lm
LDFLAGS  += -fopenmp $(SAN)
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
CFLAGS   += -DVSP_VERSION='"$(VERSION)"'

# object and binary folders: `make sanitize` builds into build-san/ and bin-san/
BUILD    ?= build
BIN      ?= bin
LIB_SRC  := $(filter-out pipeline/main.c,$(wildcard pipeline/*.c geo/*.c))
LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(BIN)/%,$(TEST_SRC))

.PHONY: all deps demo test test-deps tests clean bench install fuzz sanitize valgrind tests
all: bin/vsp build/vsp.1

$(BUILD)/%.o: %.c $(wildcard pipeline/*.h geo/*.h)
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BIN)/vsp: $(BUILD)/pipeline/main.o $(LIB_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/test_%: tests/test_%.c tests/testutil.h $(LIB_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

tests: $(TEST_BIN)

deps:
	@scripts/deps.sh

# the tests also need R spdep, PostGIS, Chromium, man-db and systemd-analyze: installed when missing
test-deps:
	@VSP_DEPS_EXTRA=1 scripts/deps.sh

test: test-deps
	@$(MAKE) --no-print-directory bin/vsp tests
	@scripts/run-tests.sh $(TEST_BIN)

demo: deps
	@$(MAKE) --no-print-directory bin/vsp
	@scripts/demo.sh

clean:
	rm -rf build bin build-san bin-san

# AddressSanitizer + UndefinedBehaviorSanitizer (errors are fatal) over the whole suite: the
# cmocka suites and, through VSP_BIN, every tests/it_*.sh.  LeakSanitizer is on; tests/lsan.supp
# lists leaks inside third-party libraries only.  Reports go to build-san/reports/: any report
# fails the target, even from a process whose exit status a test ignores.  Warnings do not
# stop this build (GCC's instrumented code gives false -Wstringop-overflow/-Wformat-truncation);
# `make` enforces them.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
sanitize: test-deps
	@$(MAKE) --no-print-directory BUILD=build-san BIN=bin-san OPT="-O1 -g" SAN="$(SAN_FLAGS) -Wno-error" bin-san/vsp tests
	@for f in tests/it_*.sh; do grep -q VSP_BIN "$$f" || echo "sanitize: warning: $$f ignores VSP_BIN: it runs bin/vsp, not bin-san/vsp"; done
	@rm -rf build-san/reports && mkdir -p build-san/reports
	@VSP_BIN=bin-san/vsp \
	 ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:log_path=$(CURDIR)/build-san/reports/asan \
	 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(CURDIR)/build-san/reports/ubsan \
	 scripts/run-tests.sh $(patsubst tests/%.c,bin-san/%,$(TEST_SRC)); rc=$$?; \
	 if [ -n "$$(ls build-san/reports)" ]; then \
		echo "sanitize: sanitizer reports (also from runs whose exit status no test checks):"; \
		cat build-san/reports/*; exit 1; fi; exit $$rc

# memcheck over the demo's nightly run, a failing run and a config error (scripts/valgrind.sh;
# tests/valgrind.supp lists third-party caches only)
valgrind: bin/vsp
	@scripts/valgrind.sh bin/vsp

# the man page comes from the same option tables as --help (cli.c)
build/vsp.1: bin/vsp
	@mkdir -p build
	bin/vsp manpage > $@.tmp && mv $@.tmp $@

# make install [PREFIX=/usr/local] [DESTDIR=...]: binary, migrations, example config,
# systemd units and crontab line (ExecStart/paths follow PREFIX), man page
PREFIX   ?= /usr/local
SHAREDIR  = $(DESTDIR)$(PREFIX)/share/vsp
install: bin/vsp build/vsp.1
	install -d $(DESTDIR)$(PREFIX)/bin $(SHAREDIR)/sql $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 bin/vsp $(DESTDIR)$(PREFIX)/bin/vsp
	install -m 0644 sql/*.sql $(SHAREDIR)/sql/
	install -m 0644 config/vsp.ini $(SHAREDIR)/vsp.ini.example
	for f in vsp.service vsp.timer vsp.cron; do \
		sed 's|/usr/local/bin/vsp|$(PREFIX)/bin/vsp|g' config/$$f > $(SHAREDIR)/$$f && chmod 0644 $(SHAREDIR)/$$f || exit 1; \
	done
	install -m 0644 build/vsp.1 $(DESTDIR)$(PREFIX)/share/man/man1/vsp.1
	@# the browser map's template and Leaflet (found by bin/vsp in PREFIX/share/vsp/web)
	@if [ -f web/node_modules/leaflet/dist/leaflet.js ]; then \
		install -d $(SHAREDIR)/web/node_modules/leaflet/dist && \
		install -m 0644 web/webmap.html web/webmap.css web/webmap.js $(SHAREDIR)/web/ && \
		install -m 0644 web/node_modules/leaflet/LICENSE web/node_modules/leaflet/dist/leaflet.js \
			web/node_modules/leaflet/dist/leaflet.css $(SHAREDIR)/web/node_modules/leaflet/dist/; \
	else echo "install: Leaflet is not installed (make deps): vsp will write no map.html"; fi

# libFuzzer targets (clang); each runs FUZZ_SECONDS (default 60).  The hand-made seeds in
# fuzz/corpus/<target> are read; inputs the fuzzer adds go to build/fuzz/<target>, a crash to
# build/fuzz/crash-<sha1> (keep it as a seed in fuzz/corpus/<target> once fixed).
FUZZ_SECONDS ?= 60
FUZZ_CC      := clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_DEFAULT_SOURCE -iquote pipeline
fuzz:
	@mkdir -p bin build/fuzz/signal build/fuzz/config
	$(FUZZ_CC) fuzz/fuzz_signal.c pipeline/signal.c pipeline/util.c -o bin/fuzz_signal
	$(FUZZ_CC) fuzz/fuzz_config.c pipeline/config.c pipeline/util.c -o bin/fuzz_config $(shell pkg-config --libs inih libcrypto) -lm
	bin/fuzz_signal -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/ build/fuzz/signal fuzz/corpus/signal
	bin/fuzz_config -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/ build/fuzz/config fuzz/corpus/config

BENCH_WEIGHTS_SRC := geo/polys.c geo/kdtree.c geo/weights.c geo/weights_io.c geo/weights_points.c geo/weights_sort.c
bin/bench_weights: bench/bench_weights.c $(BENCH_WEIGHTS_SRC) geo/weights.h geo/weights_internal.h
	@mkdir -p bin
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BENCH_WEIGHTS_SRC) -lm

$(BIN)/bench_lisa: bench/bench_lisa.c $(LIB_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# the national benchmark (scripts/bench.sh; 6-9 min on 2 cores): prints one table, rewrites the
# measured part of docs/performance.md.  VSP_BENCH_QUICK=1: 1/32 and 1/16 size, one run each,
# no docs (to try the script).
bench: bin/vsp bin/bench_weights $(BIN)/bench_lisa
	@scripts/bench.sh
