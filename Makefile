# vsp — build, test, demo.  See README.md.
PKGS     := gdal proj libpq cairo inih libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CC       ?= gcc
OPT      ?= -O2 -g
CFLAGS   += -std=c11 $(OPT) -Wall -Wextra -Werror -fopenmp -D_DEFAULT_SOURCE -D_GNU_SOURCE $(PKG_CFLAGS) $(SAN)
LDLIBS   += $(PKG_LIBS) -lm
LDFLAGS  += -fopenmp $(SAN)
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
CFLAGS   += -DVSP_VERSION='"$(VERSION)"'

LIB_SRC  := $(filter-out pipeline/main.c,$(wildcard pipeline/*.c geo/*.c))
LIB_OBJ  := $(patsubst %.c,build/%.o,$(LIB_SRC))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(patsubst tests/%.c,bin/%,$(TEST_SRC))

.PHONY: all deps demo test clean bench install fuzz
all: bin/vsp

build/%.o: %.c $(wildcard pipeline/*.h geo/*.h)
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

bin/vsp: build/pipeline/main.o $(LIB_OBJ)
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bin/test_%: tests/test_%.c tests/testutil.h $(LIB_OBJ)
	@mkdir -p bin
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

tests: $(TEST_BIN)

deps:
	@scripts/deps.sh

test: bin/vsp $(TEST_BIN)
	@scripts/run-tests.sh $(TEST_BIN)

demo: deps
	@$(MAKE) --no-print-directory bin/vsp
	@scripts/demo.sh

clean:
	rm -rf build bin

# libFuzzer targets (clang); each runs FUZZ_SECONDS (default 60)
FUZZ_SECONDS ?= 60
fuzz:
	@mkdir -p bin
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE -Ipipeline fuzz/fuzz_signal.c pipeline/signal.c pipeline/util.c -o bin/fuzz_signal
	bin/fuzz_signal -max_total_time=$(FUZZ_SECONDS) fuzz/corpus/signal

bin/bench_weights: bench/bench_weights.c geo/polys.c geo/kdtree.c geo/weights.c geo/weights_io.c geo/weights_points.c geo/weights.h
	@mkdir -p bin
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< geo/polys.c geo/kdtree.c geo/weights.c geo/weights_io.c geo/weights_points.c -lm

bench: bin/vsp bin/bench_weights
	bin/bench_weights
