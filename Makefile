# badmac - GNU make build. `make` builds the library, the CLI and the tests;
# `make check` installs test dependencies and runs every test (what CI runs);
# `make demo` installs what is missing, builds and analyses a sample capture.
# V=1 shows full commands; SANITIZE=1 builds with ASan+UBSan into build-san/.

CC      ?= cc
OPT     ?= -O2
ifeq ($(SANITIZE),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT      = -O1 -g
else
BUILD   ?= build
SANFLAGS =
endif

CFLAGS  ?= $(OPT) -g
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wformat=2 -Wvla
ALLCFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) $(SANFLAGS) $(CFLAGS) \
            -Iinclude -MMD -MP
LDLIBS   = -lpcap -lssl -lcrypto -ljansson -lz -lzstd -llzma -lm -pthread
LDFLAGS += $(SANFLAGS)

ifeq ($(V),1)
Q =
else
Q = @
endif

LIB_SRC  := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIB      := $(BUILD)/libbadmac.a
BIN      := $(BUILD)/badmac

.PHONY: all check test unit e2e demo deps test-deps sanitize clean fixtures bench fuzz peers matrix golden-update \
        reword fuzz-replay fuzz-replay-bins fuzz-smoke fuzz-long fuzz-minimise
all: $(BIN) $(TEST_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALLCFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) tests/unit/tap.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	@mkdir -p $(BUILD)/obj/tests/unit
	$(Q)$(CC) $(ALLCFLAGS) -MF $(BUILD)/obj/tests/unit/$*.d -Isrc -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# Installs build dependencies (Debian packages) when missing.
deps:
	@sh scripts/install-deps.sh build
test-deps:
	@sh scripts/install-deps.sh test

# Every test, under prove (TAP). Unit tests are binaries, e2e tests scripts.
check: test-deps
	$(MAKE) all
	$(MAKE) sanitize
	$(MAKE) reword
	$(MAKE) fuzz-smoke
	BADMAC=$(CURDIR)/$(BIN) BUILD=$(CURDIR)/$(BUILD) prove -f $(TEST_BIN) tests/e2e/*.t

unit: all
	prove -f $(TEST_BIN)

e2e: all
	BADMAC=$(CURDIR)/$(BIN) prove -f tests/e2e/*.t

# Unit tests again under ASan+UBSan, plus the CLI over every fixture.
sanitize:
	$(MAKE) SANITIZE=1 all
	prove $(patsubst $(BUILD)/%,build-san/%,$(TEST_BIN))
	BADMAC=$(CURDIR)/build-san/badmac prove tests/e2e/fixtures_sanitized.t tests/e2e/inputs.t tests/e2e/live.t tests/e2e/keep.t \
	    tests/e2e/tunnels.t
	$(MAKE) fuzz-replay

# The CLI with every finding and verdict line worded differently
# (-DBM_REWORD_FINDINGS) in its own directory: tests/e2e/reword.t checks
# that only the words of the problems and of the verdicts change, so no
# stage depends on them.
REWORD_BUILD = build-reword
reword:
	$(MAKE) BUILD=$(REWORD_BUILD) SANITIZE= CFLAGS='$(OPT) -g -DBM_REWORD_FINDINGS' $(REWORD_BUILD)/badmac

demo: deps
	$(MAKE) $(BIN)
	./$(BIN) --keylog tests/fixtures/demo.keys tests/fixtures/demo.pcapng; test $$? -le 1

fixtures:
	sh tests/fixtures/regen.sh

# The golden outputs of tests/e2e/golden.t, regenerated after an intended
# change of the report (say in the commit message why each file differs).
golden-update: $(BIN)
	rm -rf tests/golden/out
	sh tests/golden/run.sh tests/golden/out $(CURDIR)/$(BIN)

# Real peers (mbedTLS, wolfSSL programs), and the interop/fault matrix
# through badmac relay, which regenerates docs/interop.md.
peers:
	sh tests/peers/build.sh
matrix: $(BIN) peers
	sh tests/matrix/run.sh

# Every figure of issue 14 in one command: captures made once (bench/out/), badmac side by side with
# tshark, ssldump and the floors, medians of rounds run in turns; bench/results.md.
bench: $(BIN)
	python3 bench/bench.py

clean:
	rm -rf build build-san build-fuzz build-reword

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_SRC:tests/unit/%.c=$(BUILD)/obj/tests/unit/%.d)

# Fuzzing (docs/fuzzing.md). Targets: fuzz/fuzz_*.c; their committed,
# minimised corpora fuzz/corpus/TARGET/, the inputs that once failed
# fuzz/regress/TARGET/, dictionaries fuzz/dict/.
#   make fuzz              libFuzzer binaries build-fuzz/fuzz_* (clang; the
#                          library built once with ASan+UBSan+coverage)
#   make fuzz-replay       every corpus and regression input through each
#                          harness, built with the sanitized library (gcc;
#                          part of make check via make sanitize)
#   make fuzz-smoke        each target FUZZ_SMOKE seconds (default 8) from its
#                          corpus (part of make check)
#   make fuzz-long         each target FUZZ_TIME seconds (default 3600), then
#                          executions, coverage and crashes per target
#   make fuzz-minimise     merge what fuzz-long found into the committed corpora
FUZZ_CC     ?= clang
FUZZ_NAMES  := $(FUZZ_SRC:fuzz/%.c=%)
FUZZ_FLAGS   = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
               -fno-sanitize-recover=all \
               -Iinclude -Isrc -DFZ_FIXTURES='"$(CURDIR)/tests/fixtures"'
FUZZ_OBJ    := $(LIB_SRC:%.c=build-fuzz/obj/%.o)
FUZZ_BIN    := $(FUZZ_NAMES:%=build-fuzz/%)
REPLAY_BIN  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
FUZZ_SMOKE  ?= 8
FUZZ_TIME   ?= 3600

build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@

build-fuzz/libbadmac.a: $(FUZZ_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

build-fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.h build-fuzz/libbadmac.a
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< build-fuzz/libbadmac.a $(LDLIBS)

fuzz: $(FUZZ_BIN)

# The replay drivers: harness + fuzz/replay.c + this build's library (the
# sanitized one under make sanitize).
$(BUILD)/fuzz/replay_%: fuzz/%.c fuzz/replay.c fuzz/fuzz_util.h $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  REPLAY  $@")
	$(Q)$(CC) $(filter-out -MMD -MP,$(ALLCFLAGS)) -Isrc -DFZ_FIXTURES='"$(CURDIR)/tests/fixtures"' -o $@ \
	    $< fuzz/replay.c $(LIB) $(LDFLAGS) $(LDLIBS)

fuzz-replay-bins: $(REPLAY_BIN)
fuzz-replay:
	$(MAKE) SANITIZE=1 fuzz-replay-bins
	REPLAY=$(CURDIR)/build-san/fuzz prove tests/fuzz/replay.t

fuzz-smoke: test-deps
	$(MAKE) fuzz
	FUZZ_BIN=$(CURDIR)/build-fuzz FUZZ_SECONDS=$(FUZZ_SMOKE) prove tests/fuzz/smoke.t

fuzz-long: fuzz
	sh fuzz/long.sh $(FUZZ_TIME) $(FUZZ_NAMES)

fuzz-minimise: fuzz
	sh fuzz/minimise.sh $(FUZZ_NAMES)

-include $(FUZZ_OBJ:.o=.d)
