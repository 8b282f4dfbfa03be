# trainsim build. Every dependency comes through pkg-config; the targets that
# users type (run, test, bench, asan, valgrind) first make sure the Debian
# packages are installed, then build with a fresh make so that pkg-config is
# read after the install.

CC       := gcc
PKGS     := simgrid yaml-0.1 zlib
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT      ?= -O2 -g
BUILD    ?= build
SANITIZE ?=

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)

SIMGRID_CONTEXTS ?=
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(SANITIZE) $(SIMGRID_CONTEXTS) $(PKG_CFLAGS) -Isim -MMD -MP
LDLIBS_ALL = $(SANITIZE) $(PKG_LIBS) -lm

LIB_SRC  := $(filter-out sim/main.c,$(wildcard sim/*.c))
LIB_OBJ  := $(LIB_SRC:sim/%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(TEST_SRC:tests/%.c=$(BUILD)/test-obj/%.o)

SCENARIO ?= scenarios/gpt4-a100-25k.yaml

# make install [PREFIX=/usr/local] [DESTDIR=staging]: the binary, its man
# page, the platforms and the scenarios (with sweeps/, teach/, bench/).
PREFIX  ?= /usr/local
DATADIR  = $(DESTDIR)$(PREFIX)/share/trainsim
SCENARIO_DIRS := scenarios scenarios/sweeps scenarios/teach scenarios/bench

.PHONY: all deps build run test check-tests asan valgrind bench validate install uninstall clean

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@tools/install-deps

build: $(BUILD)/trainsim $(BUILD)/trainsim-tests

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	./$(BUILD)/trainsim run $(SCENARIO)

test:
	@tools/install-deps --test
	@$(MAKE) --no-print-directory check-tests

check-tests: $(BUILD)/trainsim $(BUILD)/trainsim-tests
	TRAINSIM=./$(BUILD)/trainsim ./$(BUILD)/trainsim-tests

# Address and undefined-behaviour sanitizers over the whole test suite.
asan: deps
	@$(MAKE) --no-print-directory check-tests BUILD=build-asan OPT="-O1 -g" \
	    SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    SIMGRID_CONTEXTS='-DTRAINSIM_SIMGRID_CONTEXTS=\"thread\"'

# valgrind over the test suite and the binary it runs. Tests keep Check's
# fork mode (SimGrid allows one engine per process); valgrind follows the
# forks and, with --trace-children, the trainsim processes the CLI tests start.
# Only definite leaks are shown: trainsim's platform check forks a process
# that SimGrid aborts on a bad file, and a report of what was possibly lost at
# the abort would land in the parent's stderr, which the bad-input tests
# compare byte for byte. The system's programs and the tools/ scripts the
# tests run (script, sh, mktemp, gnuplot; tools/plot, tools/slurm-sweep) are
# not traced: their own leaks are not trainsim's.
valgrind: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim $(BUILD)/trainsim-tests
	CK_TIMEOUT_MULTIPLIER=10 TRAINSIM=./$(BUILD)/trainsim valgrind -q --error-exitcode=99 --trace-children=yes \
	    --trace-children-skip='/usr/bin/*,/bin/*,/usr/sbin/*,/sbin/*,tools/*,*/tools/*' \
	    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	    ./$(BUILD)/trainsim-tests

# Measured vs predicted step time on the published runs of ../shared/validation
# (or VALIDATION=dir), with the mean absolute percentage error.
VALIDATION ?= ../shared/validation
validate: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	@TRAINSIM=./$(BUILD)/trainsim tools/validate $(VALIDATION)

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	@tools/bench ./$(BUILD)/trainsim

$(BUILD)/trainsim: $(BUILD)/obj/main.o $(LIB_OBJ)
	$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/trainsim-tests: $(TEST_OBJ) $(LIB_OBJ)
	$(CC) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/obj/%.o: sim/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/test-obj/%.o: tests/%.c | $(BUILD)/test-obj
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/obj $(BUILD)/test-obj:
	@mkdir -p $@

clean:
	rm -rf build build-asan

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/test-obj/*.d)

install: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DATADIR)/platforms
	install -m 755 $(BUILD)/trainsim $(DESTDIR)$(PREFIX)/bin/trainsim
	install -m 644 docs/trainsim.1 $(DESTDIR)$(PREFIX)/share/man/man1/trainsim.1
	install -m 644 platforms/*.xml platforms/README.md $(DATADIR)/platforms
	for d in $(SCENARIO_DIRS); do install -d $(DATADIR)/$$d && install -m 644 $$d/*.yaml $(DATADIR)/$$d; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/trainsim $(DESTDIR)$(PREFIX)/share/man/man1/trainsim.1
	rm -rf $(DATADIR)
