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
LDLIBS   = -lpcap -lssl -lcrypto -ljansson -lz -lm
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
        reword
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
	BADMAC=$(CURDIR)/$(BIN) BUILD=$(CURDIR)/$(BUILD) prove -f $(TEST_BIN) tests/e2e/*.t

unit: all
	prove -f $(TEST_BIN)

e2e: all
	BADMAC=$(CURDIR)/$(BIN) prove -f tests/e2e/*.t

# Unit tests again under ASan+UBSan, plus the CLI over every fixture.
sanitize:
	$(MAKE) SANITIZE=1 all
	prove $(patsubst $(BUILD)/%,build-san/%,$(TEST_BIN))
	BADMAC=$(CURDIR)/build-san/badmac prove tests/e2e/fixtures_sanitized.t

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

bench: $(BIN)
	sh bench/run.sh

clean:
	rm -rf build build-san build-fuzz build-reword

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_SRC:tests/unit/%.c=$(BUILD)/obj/tests/unit/%.d)

# libFuzzer harnesses (clang): build-fuzz/fuzz_*; run e.g.
#   build-fuzz/fuzz_tls -max_total_time=60 fuzz/corpus/tls
FUZZ_LIB_SRC := $(LIB_SRC)
fuzz:
	@mkdir -p build-fuzz
	for f in $(FUZZ_SRC); do \
	  clang -std=c11 -D_DEFAULT_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
	    -o build-fuzz/$$(basename $$f .c) $$f $(FUZZ_LIB_SRC) $(LDLIBS) || exit 1; done
