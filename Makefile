# trainsim build. Every dependency comes through pkg-config; the targets that
# users type (run, test, bench, asan, valgrind) first make sure the Debian
# packages are installed, then build with a fresh make so that pkg-config is
# read after the install.

CC       := gcc
PKGS     := simgrid yaml-0.1 zlib jansson
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

# The simulator's sources live in one folder per layer of the data flow
# (docs/design.md); sim/cli holds the command line, the rest is the library
# the tests link against.
LIB_SRC  := $(filter-out sim/cli/%,$(wildcard sim/*/*.c))
LIB_OBJ  := $(LIB_SRC:sim/%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(patsubst sim/%.c,$(BUILD)/obj/%.o,$(wildcard sim/cli/*.c))
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(TEST_SRC:tests/%.c=$(BUILD)/test-obj/%.o)

SCENARIO ?= scenarios/gpt4-a100-25k.yaml

# make install [PREFIX=/usr/local] [DESTDIR=staging]: the binary, its man
# page, the platforms and the scenarios (with sweeps/, teach/, bench/).
PREFIX  ?= /usr/local
DATADIR  = $(DESTDIR)$(PREFIX)/share/trainsim
DOCDIR   = $(DESTDIR)$(PREFIX)/share/doc/trainsim
SCENARIO_DIRS := scenarios scenarios/sweeps scenarios/teach scenarios/bench

.PHONY: all deps build run test check-tests asan valgrind fuzz bench validate validate-run install uninstall clean

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@tools/install-deps

build: $(BUILD)/trainsim $(BUILD)/trainsim-tests $(BUILD)/trainsim-test-hooks

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	./$(BUILD)/trainsim run $(SCENARIO)

test:
	@tools/install-deps --test
	@$(MAKE) --no-print-directory check-tests

# The layer rule of docs/design.md (includes, calls, cycles, file sizes, enum
# names) first, then the Check suite.
check-tests: $(BUILD)/trainsim $(BUILD)/trainsim-tests $(BUILD)/trainsim-test-hooks
	tools/check-layers $(BUILD)
	TRAINSIM=./$(BUILD)/trainsim TRAINSIM_TEST_HOOKS_BIN=./$(BUILD)/trainsim-test-hooks $(TEST_PREFIX) \
	    ./$(BUILD)/trainsim-tests

# taskset pinning to the first core this process may use (empty without taskset).
ONE_CORE = $(shell taskset -pc $$$$ 2>/dev/null | sed -n 's/.*: *\([0-9][0-9]*\).*/taskset -c \1/p')

# Address and undefined-behaviour sanitizers over the whole test suite.
# Sanitizer builds run SimGrid's actors as OS threads (network/simgrid_start.c), which hand
# the processor to one another through futexes: pinned to one core, a
# hand-over costs a fifth of what it costs across cores (the GPT-4 H100
# scenario: 2.7 s instead of 15 s), so the suite runs under taskset. The
# sanitizers slow everything else 2-3 times: Check's per-test time limits,
# guards against hangs, are tripled.
asan: deps
	@CK_TIMEOUT_MULTIPLIER=3 $(MAKE) --no-print-directory check-tests BUILD=build-asan OPT="-O1 -g" \
	    TEST_PREFIX="$(ONE_CORE)" \
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
	@$(MAKE) --no-print-directory $(BUILD)/trainsim $(BUILD)/trainsim-tests $(BUILD)/trainsim-test-hooks
	CK_TIMEOUT_MULTIPLIER=10 TRAINSIM=./$(BUILD)/trainsim TRAINSIM_TEST_HOOKS_BIN=./$(BUILD)/trainsim-test-hooks valgrind -q --error-exitcode=99 --trace-children=yes \
	    --trace-children-skip='/usr/bin/*,/bin/*,/usr/sbin/*,/sbin/*,tools/*,*/tools/*' \
	    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	    ./$(BUILD)/trainsim-tests

# libFuzzer harnesses (tests/fuzz/) under ASan and UBSan, built with clang in
# build-fuzz, each run for FUZZ_SECONDS (default 60) from the seed corpus the
# repository already holds (scenarios, sweeps, the bad-input corpus,
# platforms, tests/fuzz/units). A crash, leak, hang or sanitizer report stops
# it and leaves the input in build-fuzz/ (docs/robustness.md).
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SEEDS_scenario := scenarios scenarios/teach tests/bad tests/campaign tests/detail tests/platform
FUZZ_SEEDS_sweep    := scenarios/sweeps tests/bad
FUZZ_SEEDS_units    := tests/fuzz/units
FUZZ_SEEDS_platform := platforms
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-harnesses BUILD=build-fuzz CC=clang OPT="-O1 -g" \
	    SANITIZE="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link"
	@for h in scenario sweep units platform; do \
	    mkdir -p build-fuzz/corpus/$$h; \
	    echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
	    seeds=""; case $$h in scenario) seeds="$(FUZZ_SEEDS_scenario)";; sweep) seeds="$(FUZZ_SEEDS_sweep)";; \
	        units) seeds="$(FUZZ_SEEDS_units)";; platform) seeds="$(FUZZ_SEEDS_platform)";; esac; \
	    build-fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
	        -artifact_prefix=build-fuzz/$$h- build-fuzz/corpus/$$h $$seeds 2>build-fuzz/$$h.log || \
	        { tail -40 build-fuzz/$$h.log; exit 1; }; \
	    grep -E "stat::number_of_executed_units|Done" build-fuzz/$$h.log; \
	done

FUZZ_HARNESSES := $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(wildcard tests/fuzz/*.c))
fuzz-harnesses: $(FUZZ_HARNESSES)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_OBJ)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(LIB_OBJ) $(LDLIBS_ALL)

# Measured vs predicted step time on the published runs of ../shared/validation
# (or VALIDATION=dir), with the mean absolute percentage error.
VALIDATION ?= ../shared/validation
validate: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	@TRAINSIM=./$(BUILD)/trainsim tools/validate $(VALIDATION)

# The run level against Kokolis et al. 2025's failure rates and expected
# ETTR across job sizes (docs/validation.md; about a minute).
validate-run: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	@TRAINSIM=./$(BUILD)/trainsim tools/validate-run

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	@tools/bench ./$(BUILD)/trainsim

$(BUILD)/trainsim: $(CLI_OBJ) $(LIB_OBJ)
	$(CC) -o $@ $^ $(LDLIBS_ALL)

# trainsim with its test hooks compiled in (TRAINSIM_TEST_HOOKS: the
# environment variable TRAINSIM_SWEEP_CRASH_POINT makes a sweep's point
# abort, TRAINSIM_SWEEP_HANG_POINT and TRAINSIM_BEST_HANG_CANDIDATE make a
# sweep's point or best's candidate wait for ever, TRAINSIM_MAX_MAP_COUNT
# stands for the system's vm.max_map_count, TRAINSIM_DEADLOCK_STAGE makes a
# pipeline rank wait for ever, TRAINSIM_BREAK_FIGURE spoils a figure of the
# run before its invariants are checked).
# Only the tests that need them run it; the trainsim that users build never
# reads the variables.
HOOKS_SRC := sim/batch/sweep_run.c sim/batch/candidates.c sim/des/actor_budget.c sim/des/iteration.c \
             sim/run/run_invariants.c
HOOKS_OBJ := $(HOOKS_SRC:sim/%.c=$(BUILD)/hooks-obj/%.o)
$(BUILD)/trainsim-test-hooks: $(CLI_OBJ) $(filter-out $(HOOKS_SRC:sim/%.c=$(BUILD)/obj/%.o),$(LIB_OBJ)) $(HOOKS_OBJ)
	$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/hooks-obj/%.o: sim/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -DTRAINSIM_TEST_HOOKS -c -o $@ $<

$(BUILD)/trainsim-tests: $(TEST_OBJ) $(LIB_OBJ)
	$(CC) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/obj/%.o: sim/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/test-obj/%.o: tests/%.c | $(BUILD)/test-obj
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/test-obj:
	@mkdir -p $@

clean:
	rm -rf build build-asan build-vg build-fuzz

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/hooks-obj/*/*.d $(BUILD)/test-obj/*.d)

# The man page names installed files as PREFIX/...: written with this PREFIX.
# tools/plot goes in as trainsim-plot, the docs in share/doc/trainsim.
install: deps
	@$(MAKE) --no-print-directory $(BUILD)/trainsim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DATADIR)/platforms $(DOCDIR)
	install -m 755 $(BUILD)/trainsim $(DESTDIR)$(PREFIX)/bin/trainsim
	install -m 755 tools/plot $(DESTDIR)$(PREFIX)/bin/trainsim-plot
	sed 's|PREFIX/|$(PREFIX)/|g' docs/trainsim.1 > $(DESTDIR)$(PREFIX)/share/man/man1/trainsim.1.tmp
	chmod 644 $(DESTDIR)$(PREFIX)/share/man/man1/trainsim.1.tmp
	mv $(DESTDIR)$(PREFIX)/share/man/man1/trainsim.1.tmp $(DESTDIR)$(PREFIX)/share/man/man1/trainsim.1
	install -m 644 README.md docs/*.md $(DOCDIR)
	install -m 644 platforms/*.xml platforms/README.md $(DATADIR)/platforms
	for d in $(SCENARIO_DIRS); do install -d $(DATADIR)/$$d && install -m 644 $$d/*.yaml $(DATADIR)/$$d; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/trainsim $(DESTDIR)$(PREFIX)/bin/trainsim-plot
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/trainsim.1
	rm -rf $(DATADIR) $(DOCDIR)
