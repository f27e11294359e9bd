# pimstream build. `make run` builds and runs the default job; `make test`
# builds and runs every test, then the whole suite again under ASan+UBSan.
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L
CPPFLAGS:= -Iinclude -Isrc -Ibuild/gen -I/usr/include/plplot
LDLIBS  := -lyaml -lprotobuf-c -lplplot -lm -lpthread
# ONNX: C code generated at build time from Debian's onnx.proto (libonnx-dev).
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
TESTLIBS:= -ljansson

# OpenMPI when present (scripts/deps.sh installs it as root): sweeps over
# MPI ranks (src/sweep/mpi.c). Without it the build works and sweeps use
# threads only.
ifeq ($(filter clean format format-check,$(MAKECMDGOALS)),)
-include build/config.mk
endif
LDLIBS  += $(MPI_LIBS)

LIB_SRC := $(filter-out src/cli/%,$(wildcard src/*/*.c)) build/gen/presets.c \
           build/gen/hier_presets.c build/gen/onnx.pb-c.c
# pimstream links neither PLplot nor OpenMPI and hands the commands that
# need them to pimstream-full (src/cli/delegate.c says why): the two differ
# in one file each.
CLI_SRC := $(filter-out src/cli/delegate.c src/cli/full.c,$(wildcard src/cli/*.c))
TEST_SRC:= $(wildcard tests/*.c)
PRESETS := $(sort $(wildcard configs/*.yaml))
HIER_PRESETS := $(sort $(wildcard configs/hier/*.yaml))
HEADERS := $(wildcard include/pimstream/*.h src/*/*.h tests/*.h)

.PHONY: fuzz all run test unit asan bench clean format format-check lint

all: build/pimstream

build/.deps: scripts/deps.sh
	@mkdir -p build
	@sh scripts/deps.sh
	@touch $@

build/config.mk: build/.deps
	@if command -v mpicc >/dev/null 2>&1; then \
	  printf 'MPI_CPPFLAGS := %s -DPIM_WITH_MPI\nMPI_LIBS := %s\n' \
	    "$$(mpicc --showme:compile)" "$$(mpicc --showme:link)"; \
	else \
	  echo "pimstream: building without MPI (sweeps use threads; for mpirun:" \
	    "apt-get install libopenmpi-dev openmpi-bin, then make clean && make)" >&2; \
	  printf 'MPI_CPPFLAGS :=\nMPI_LIBS :=\n'; \
	fi > $@

build/gen/presets.c: $(PRESETS) scripts/embed.sh Makefile | build/.deps
	@mkdir -p build/gen
	sh scripts/embed.sh $@ arch_internal.h pim_preset pim_arch_presets $(PRESETS)

build/gen/hier_presets.c: $(HIER_PRESETS) scripts/embed.sh Makefile | build/.deps
	@mkdir -p build/gen
	sh scripts/embed.sh $@ hier_internal.h pim_preset pim_hier_presets $(HIER_PRESETS)

build/gen/onnx.pb-c.c build/gen/onnx.pb-c.h: | build/.deps
	@mkdir -p build/gen
	protoc-c --c_out=build/gen -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

# One rule builds a flavour (plain or sanitized) into its own directory.
define flavour
$(1)/lib.a: $$(LIB_SRC:%.c=$(1)/obj/%.o)
	@rm -f $$@
	ar rcs $$@ $$^
$(1)/obj/%.o: %.c $$(HEADERS) build/.deps build/gen/onnx.pb-c.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(MPI_CPPFLAGS) -Isrc/arch -Isrc/hier $$(WARN) $(2) -c $$< -o $$@
# generated code is protoc-c's, not ours: build it without our warnings
$(1)/obj/build/gen/onnx.pb-c.o: build/gen/onnx.pb-c.c build/gen/onnx.pb-c.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) -std=c11 -w $(2) -c $$< -o $$@
$(1)/pimstream: $$(CLI_SRC:%.c=$(1)/obj/%.o) $(1)/obj/src/cli/delegate.o $(1)/lib.a \
               | $(1)/pimstream-full
	$$(CC) $(2) -o $$@ $$(filter %.o %.a,$$^) -Wl,--as-needed $$(LDLIBS)
$(1)/pimstream-full: $$(CLI_SRC:%.c=$(1)/obj/%.o) $(1)/obj/src/cli/full.o $(1)/lib.a
	$$(CC) $(2) -o $$@ $$^ $$(LDLIBS)
$(1)/pimstream-tests: $$(TEST_SRC:%.c=$(1)/obj/%.o) $(1)/lib.a
	$$(CC) $(2) -o $$@ $$^ $$(LDLIBS) $$(TESTLIBS)
endef

$(eval $(call flavour,build,$(CFLAGS)))
# (flags go by name: $(call) would split "address,undefined" at the comma)
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(eval $(call flavour,build/asan,$$(SANFLAGS)))

# Coverage-guided fuzzing of the parsers (clang's libFuzzer). The targets
# live in tests/fuzz with seed corpora; `make fuzz` runs each for a while.
FUZZ_SECONDS ?= 60
FUZZFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := build/fuzz/fuzz_arch build/fuzz/fuzz_model build/fuzz/fuzz_onnx build/fuzz/fuzz_csv \
                build/fuzz/fuzz_hier build/fuzz/fuzz_mapping build/fuzz/fuzz_sweep build/fuzz/fuzz_table build/fuzz/fuzz_journal

build/.deps-fuzz: scripts/deps.sh
	@mkdir -p build
	@sh scripts/deps.sh fuzz
	@touch $@

build/fuzz/obj/%.o: %.c $(HEADERS) $(wildcard tests/fuzz/*.h) build/.deps-fuzz build/gen/presets.c \
                    build/gen/hier_presets.c build/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(MPI_CPPFLAGS) -Isrc/arch -Isrc/hier $(WARN) $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build/fuzz/obj/build/gen/onnx.pb-c.o: build/gen/onnx.pb-c.c build/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=c11 -w $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build/fuzz/%: build/fuzz/obj/tests/fuzz/%.o $(LIB_SRC:%.c=build/fuzz/obj/%.o)
	clang $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz: $(FUZZ_TARGETS)
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

.SECONDARY:

run: build/pimstream
	./build/pimstream run

unit: build/pimstream build/pimstream-tests
	./build/pimstream-tests --cli ./build/pimstream --data tests/data --shared ../shared

asan: build/asan/pimstream build/asan/pimstream-tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ./build/asan/pimstream-tests --cli ./build/asan/pimstream --data tests/data --shared ../shared

test: unit asan

bench: build/pimstream
	sh bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

lint: format-check
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	  --std=c11 -Iinclude -Isrc --suppress=missingIncludeSystem src tests

clean:
	rm -rf build
