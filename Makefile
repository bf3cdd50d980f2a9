# handwritten — one Makefile for everything. `make help` lists the targets.
#
# Layout of the build (all out of source, under build/):
#   build/obj/...        object files, mirroring the source tree
#   build/libhw.a        the library: every src/**/*.cpp
#   build/bin/NN-name    one executable per chapter (chapters/NN-name/main.cpp)
#   build/bin/tests      the doctest runner (every tests/*.cpp)
#   build/bin/bench      the Google Benchmark runner (every bench/*.cpp)
# `make sanitize` uses build-san/ with the same layout.

CXX      ?= g++
BUILD    ?= build
# Use every core unless the caller chose a -j of their own (make -j1 still works).
ifeq ($(filter -j%,$(MAKEFLAGS)),)
  MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif
# No -march=native: one binary must run on any x86-64. SIMD kernels get their own
# target flags per file (see the *_avx2 / *_avx512 rules below) and are picked at run time.
OPT      ?= -O3 -DNDEBUG
CXXFLAGS ?= $(OPT)
CXXFLAGS += -std=c++20 -Wall -Wextra -fopenmp -Iinclude -MMD -MP
LDFLAGS  += -fopenmp
AVX2_FLAGS   := -mavx2 -mfma
AVX512_FLAGS := -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -mavx2

LIB_SRCS     := $(shell find src -name '*.cpp' | sort)
CHAPTER_DIRS := $(sort $(patsubst %/main.cpp,%,$(wildcard chapters/*/main.cpp)))
CHAPTER_BINS := $(patsubst chapters/%,$(BUILD)/bin/%,$(CHAPTER_DIRS))
TEST_SRCS    := $(sort $(wildcard tests/*.cpp))
BENCH_SRCS   := $(sort $(wildcard bench/*.cpp))
# Exercise scaffolds: chapters/NN-name/exercises/NN-K-what.cpp -> build/bin/exercises/NN-K-what
EXERCISE_SRCS := $(sort $(wildcard chapters/*/exercises/*.cpp))
EXERCISE_BINS := $(addprefix $(BUILD)/bin/exercises/,$(basename $(notdir $(EXERCISE_SRCS))))

LIB_OBJS   := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(LIB_SRCS))
TEST_OBJS  := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(TEST_SRCS))
BENCH_OBJS := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(BENCH_SRCS))

# The chapter that `make run` trains (the main job): the batched MLP once it exists, else the
# sigmoid network, else the last chapter there is. Flags go in RUN_ARGS.
RUN_CHAPTER ?= $(firstword $(wildcard chapters/10-mlp/main.cpp chapters/09-sigmoid-network/main.cpp) $(lastword $(CHAPTER_DIRS)))
RUN_CHAPTER := $(patsubst %/main.cpp,%,$(RUN_CHAPTER))
RUN_ARGS    ?=

# Baselines for the benchmark only (never linked into the library): OpenBLAS and BLIS
# when their Debian -dev packages are present.
ML := /usr/lib/x86_64-linux-gnu
ifneq ($(wildcard /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h),)
  BENCH_CXXFLAGS += -DHW_HAVE_OPENBLAS -I/usr/include/x86_64-linux-gnu/openblas-pthread
  BENCH_LIBS     += -L$(ML)/openblas-pthread -Wl,-rpath,$(ML)/openblas-pthread -lopenblas
endif
ifneq ($(wildcard /usr/include/x86_64-linux-gnu/blis-openmp/blis.h),)
  BENCH_CXXFLAGS += -DHW_HAVE_BLIS -I/usr/include/x86_64-linux-gnu/blis-openmp
  BENCH_LIBS     += -L$(ML)/blis-openmp -Wl,-rpath,$(ML)/blis-openmp -lblis
endif
BENCH_ARGS ?=

# Keep the chapters' object files (make would delete them as intermediates and relink every time).
.SECONDARY:

.PHONY: check-layout check-texts all test sanitize run data data-fashion data-digits tutorials bench bench-avx2 bench-smoke bench-plot clean help deps-test deps-bench student
.PHONY: grade grade-bins grade-all handin autograder-zip check-kit kit-selftest calibrate-grades

all: $(BUILD)/libhw.a $(CHAPTER_BINS) $(BUILD)/bin/tests $(EXERCISE_BINS)

help:
	@echo "handwritten — targets:"
	@echo "  make               build the library, every chapter binary and the test runner into $(BUILD)/"
	@echo "  make test          build and run every doctest suite (installs doctest-dev if missing)"
	@echo "  make sanitize      build and run the tests under AddressSanitizer + UBSan (build-san/)"
	@echo "  make run           the main job: fetch MNIST if needed, build, train and evaluate"
	@echo "                     ($(RUN_CHAPTER); pass flags with RUN_ARGS='--epochs 1')"
	@echo "  make data          fetch MNIST into data/mnist/ and verify SHA-256 (no-op when present)"
	@echo "  make data-fashion  install Fashion-MNIST (Debian dataset-fashion-mnist) into data/fashion/"
	@echo "  make data-digits   scikit-learn's 8x8 digits (from Debian python3-sklearn) into data/digits/"
	@echo "  make tutorials     the five tutorials this project grew from, one command each, and their table"
	@echo "  make bench         run the Google Benchmark GEMM suite (BENCH_ARGS='--benchmark_filter=...')"
	@echo "  make bench-avx2    AVX2 against AVX2 on any machine: ours, OpenBLAS Haswell, BLIS haswell"
	@echo "  make bench-smoke   a few-second pass of the benchmark so it cannot rot (CI runs it)"
	@echo "  make bench-plot    turn $(BUILD)/bench.json into $(BUILD)/bench.svg (GFLOP/s vs n)"
	@echo "  make check-layout  check that no library folder includes a higher one (README, Layout)"
	@echo "  make check-texts   check that every file the chapter texts and the README name exists"
	@echo "  make student       write the student version into $(BUILD)/student/ (CHAPTERS=03,04,05: only those"
	@echo "                     chapters' solution regions are stripped; default: all)"
	@echo "  make grade         grade this tree: every rubric item in its own process (a student tree grades"
	@echo "                     its own chapters; CHAPTERS=... picks them here); results in $(BUILD)/results.json"
	@echo "  make handin        (student tree) zip exactly the files the assignment names into $(BUILD)/handin.zip"
	@echo "  make grade-all SUBMISSIONS=dir  grade a folder of submissions into $(BUILD)/grade-all/grades.csv"
	@echo "  make autograder-zip CHAPTERS=05  the Gradescope autograder zip in $(BUILD)/"
	@echo "  make calibrate-grades  the solution's speed-ups here against the timed items' scales"
	@echo "  make check-kit     stub each solution region alone and check that a rubric item fails"
	@echo "  make kit-selftest  the kit's CI checks (solution 100%, stripped tree 0, a CHAPTERS subset)"
	@echo "  make serve         the digit lab on http://127.0.0.1:8080/ (LAB_ARGS='--port 0'; trains a default model if runs/ has none)"
	@echo "  make test-browser  chapter 13's page in headless chromium: real MNIST digits drawn on the canvas"
	@echo "  make fuzz          libFuzzer on the IDX reader, model files and the lab's requests (FUZZ_SECONDS each)"
	@echo "  make bench-load    wrk on the lab's /api/predict at 1 and 16 connections, with and without training"
	@echo "  make clean         remove $(BUILD)/, build-san/ and build-fuzz/"
	@echo "Chapter binaries: $(notdir $(CHAPTER_BINS))"

# ---------------------------------------------------------------- compile rules
# Objects depend on the flags they were built with: $(FLAGS_FILE) holds the compile command's
# flags and is rewritten only when they change, so `make EXTRA_FLAGS=-march=native` rebuilds
# everything, and the next plain `make` rebuilds it back.
FLAGS_FILE := $(BUILD)/compile-flags
COMPILE_FLAGS := $(CXX) $(CXXFLAGS) $(EXTRA_FLAGS) | $(AVX2_FLAGS) | $(AVX512_FLAGS) | $(BENCH_CXXFLAGS)
$(shell mkdir -p $(BUILD) && { [ -f $(FLAGS_FILE) ] && [ "$$(cat $(FLAGS_FILE))" = '$(COMPILE_FLAGS)' ] || echo '$(COMPILE_FLAGS)' > $(FLAGS_FILE); })

$(BUILD)/obj/%.o: %.cpp $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(EXTRA_FLAGS) -c $< -o $@

# Files whose name ends in _avx2 / _avx512 hold SIMD kernels: only they get the ISA flags,
# and only code the dispatcher has checked with __builtin_cpu_supports ever calls them.
$(BUILD)/obj/%_avx2.o: %_avx2.cpp $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(EXTRA_FLAGS) $(AVX2_FLAGS) -c $< -o $@
$(BUILD)/obj/%_avx512.o: %_avx512.cpp $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(EXTRA_FLAGS) $(AVX512_FLAGS) -c $< -o $@

$(BUILD)/libhw.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/chapters/%/main.o $(BUILD)/libhw.a
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $< $(BUILD)/libhw.a -o $@ $(LDFLAGS)

$(BUILD)/bin/tests: $(TEST_OBJS) $(BUILD)/libhw.a
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(TEST_OBJS) $(BUILD)/libhw.a -o $@ $(LDFLAGS)

$(TEST_OBJS): | deps-test

define exercise_rule
$(BUILD)/bin/exercises/$(basename $(notdir $(1))): $(BUILD)/obj/$(1:.cpp=.o) $(BUILD)/libhw.a
	@mkdir -p $$(dir $$@)
	$$(CXX) $$(CXXFLAGS) $$< $(BUILD)/libhw.a -o $$@ $$(LDFLAGS)
endef
$(foreach e,$(EXERCISE_SRCS),$(eval $(call exercise_rule,$(e))))

# The timing program of the grader's perf items (tests/grader/perf.cpp).
$(BUILD)/obj/tests/grader/perf.o: | deps-test
$(BUILD)/bin/grade-perf: $(BUILD)/obj/tests/grader/perf.o $(BUILD)/libhw.a
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $< $(BUILD)/libhw.a -o $@ $(LDFLAGS)

$(BUILD)/obj/bench/%.o: bench/%.cpp $(FLAGS_FILE) | deps-bench
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(BENCH_CXXFLAGS) -c $< -o $@

$(BUILD)/bin/bench: $(BENCH_OBJS) $(BUILD)/libhw.a
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(BENCH_OBJS) $(BUILD)/libhw.a -o $@ $(LDFLAGS) -lbenchmark -lpthread $(BENCH_LIBS)

# ---------------------------------------------------------------- dependencies
# doctest and Google Benchmark come from Debian; install them when missing.
# $(call need,HEADER,PACKAGE): install PACKAGE with apt-get when HEADER is missing, as root
# or through sudo; otherwise stop and print the command to run.
define need
	@if [ ! -f $(1) ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; \
	  else echo "error: $(1) is missing. Install it with: apt-get install -y $(2)" >&2; exit 1; fi; \
	  echo "== $(1) missing: installing $(2)"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(2) >/dev/null \
	    || { echo "error: could not install $(2). Run: apt-get install -y $(2)" >&2; exit 1; }; \
	fi
endef
deps-test:
	$(call need,/usr/include/doctest/doctest.h,doctest-dev)
deps-bench:
	$(call need,/usr/include/benchmark/benchmark.h,libbenchmark-dev)

# ---------------------------------------------------------------- main targets
test: $(BUILD)/bin/tests
	$(BUILD)/bin/tests $(TEST_ARGS)

sanitize:
	$(MAKE) BUILD=build-san OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	        LDFLAGS="-fsanitize=address,undefined" build-san/bin/tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-san/bin/tests $(TEST_ARGS)

run: data $(BUILD)/bin/$(notdir $(RUN_CHAPTER))
	$(BUILD)/bin/$(notdir $(RUN_CHAPTER)) $(RUN_ARGS)

data:
	@bash data/fetch_mnist.sh data/mnist

data-fashion:
	@bash data/fetch_fashion.sh data/fashion

data-digits:
	@bash data/fetch_digits.sh data/digits

# The five tutorials (README, "The five tutorials, reproduced"): each one's command, then the table.
tutorials: data data-digits $(CHAPTER_BINS)
	@bash tests/run_tutorials.sh $(BUILD)/bin

# OpenBLAS reads OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE at load time; unset them so it runs the
# kernel it picks for this CPU, as the peers' scripts do. OMP_WAIT_POLICY is left to libgomp's
# default (idle threads spin briefly, then sleep), as OpenBLAS's own pool does; set
# OMP_WAIT_POLICY=passive to compare under sleeping workers (chapter 07 has both figures).
BENCH_ENV := env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(if $(OMP_WAIT_POLICY),OMP_WAIT_POLICY=$(OMP_WAIT_POLICY))
bench: $(BUILD)/bin/bench
	$(BENCH_ENV) $(BUILD)/bin/bench --benchmark_out=$(BUILD)/bench.json --benchmark_out_format=json $(BENCH_ARGS)

# AVX2 against AVX2 on any x86-64 (also on a machine with AVX-512): our AVX2 kernel, OpenBLAS's
# Haswell kernel and BLIS's haswell sub-configuration (use OPENBLAS_CORETYPE=Zen BLIS_ARCH=zen3
# for their Zen kernels). The peers' kernels are printed first; medians of 5 interleaved runs.
BLIS_ARCH ?= haswell
OPENBLAS_CORE ?= Haswell
BENCH_AVX2_ARGS ?= --benchmark_filter='/(auto|openblas|blis)/' --benchmark_repetitions=5 \
                   --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
bench-avx2: $(BUILD)/bin/bench
	env -u OPENBLAS_L2_SIZE HW_SGEMM_KERNEL=avx2 OPENBLAS_CORETYPE=$(OPENBLAS_CORE) BLIS_ARCH_TYPE=$(BLIS_ARCH) \
	    $(BUILD)/bin/bench $(BENCH_AVX2_ARGS) --benchmark_out=$(BUILD)/bench-avx2.json --benchmark_out_format=json $(BENCH_ARGS)

bench-smoke: $(BUILD)/bin/bench
	$(BENCH_ENV) $(BUILD)/bin/bench --benchmark_min_time=0.01 --benchmark_filter='n:64/|n:128/|sgemm_shape/auto/' $(BENCH_ARGS)

bench-plot:
	python3 bench/plot_bench.py $(BUILD)/bench.json $(BUILD)/bench.svg

check-layout:
	@bash tests/check_layout.sh

check-texts:
	@python3 tests/check_texts.py

# ---------------------------------------------------------------- the course kit (tests/grader/)
# README's "For instructors" section describes these. CHAPTERS=03,04,05 picks an assignment's chapters.
CHAPTERS    ?=
GRADER      := python3 tests/grader/grade.py
GRADE_ARGS  ?=
comma := ,
student:
	@$(GRADER) student --out $(BUILD)/student --chapters '$(CHAPTERS)'

grade-bins: $(BUILD)/bin/tests $(BUILD)/bin/grade-perf $(EXERCISE_BINS)

grade:
	@$(GRADER) grade --chapters '$(CHAPTERS)' --results $(BUILD)/results.json $(GRADE_ARGS)

grade-all:
	@test -n '$(SUBMISSIONS)' || { echo "usage: make grade-all SUBMISSIONS=dir [CHAPTERS=05]" >&2; exit 2; }
	@$(GRADER) grade-all --submissions '$(SUBMISSIONS)' --chapters '$(CHAPTERS)' --out $(BUILD)/grade-all --csv $(BUILD)/grade-all/grades.csv

handin:
	@$(GRADER) handin --out $(BUILD)/handin.zip $(if $(CHAPTERS),--chapters '$(CHAPTERS)')

autograder-zip:
	@$(GRADER) autograder-zip --chapters '$(CHAPTERS)' --out $(BUILD)/autograder$(if $(CHAPTERS),-$(subst $(comma),-,$(CHAPTERS))).zip

check-kit: all grade-bins
	@$(GRADER) check-kit --chapters '$(CHAPTERS)' --work $(BUILD)/kit

# The solution's speed-ups on this machine against the perf items' scales (run it where you grade).
calibrate-grades: grade-bins
	@$(GRADER) calibrate --chapters '$(CHAPTERS)'

kit-selftest: all grade-bins
	@bash tests/grader/selftest.sh $(BUILD)

clean:
	rm -rf build build-san build-fuzz

# ================================================================ chapter 13: the digit lab
# Only build/bin/13-lab uses cpp-httplib (Debian's libcpp-httplib-dev, installed on demand, ships it
# as a header plus libcpp-httplib.so); the library never includes it. The browser test drives chromium with the
# npm package playwright-core (pinned in tests/browser/package-lock.json); the fuzzers are
# clang's libFuzzer; the load bench is Debian's wrk.
LAB_BIN      := $(BUILD)/bin/13-lab
LAB_ARGS     ?=
LAB_MODEL    := runs/mlp-default.hwm
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 20
FUZZ_CXX     ?= clang++
FUZZ_FLAGS   := -std=c++20 -O1 -g -Iinclude -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_NAMES   := idx model_file predict_request train_request
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_NAMES))
.PHONY: deps-lab deps-fuzz serve lab-model test-browser fuzz bench-load

# The header must see the feature switches the Debian library was built with (its .pc file's).
LAB_HTTP_FLAGS := -DCPPHTTPLIB_OPENSSL_SUPPORT -DCPPHTTPLIB_ZLIB_SUPPORT -DCPPHTTPLIB_BROTLI_SUPPORT
$(BUILD)/obj/chapters/13-lab/main.o: CXXFLAGS += $(LAB_HTTP_FLAGS)
$(BUILD)/obj/chapters/13-lab/main.o: | deps-lab
$(LAB_BIN): LDFLAGS += -pthread -lcpp-httplib
deps-lab:
	$(call need,/usr/include/httplib.h,libcpp-httplib-dev)
# libFuzzer ships apart from clang (libclang-rt-NN-dev): check for both.
FUZZ_RT := $(firstword $(wildcard /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a) /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a)
deps-fuzz:
	$(call need,/usr/bin/clang++,clang libclang-rt-14-dev)
	$(call need,$(FUZZ_RT),libclang-rt-14-dev)

# A small default model (~10 s) for when runs/ holds none: 784-256-10, six epochs.
lab-model: data $(BUILD)/bin/10-mlp
	@if [ -z "$$(find runs -name '*.hwm' 2>/dev/null | head -n 1)" ]; then \
	  echo "== no model under runs/: training a small default ($(LAB_MODEL))"; \
	  $(BUILD)/bin/10-mlp --layers 784,256,10 --epochs 6 --quiet --out runs/mlp-default --save $(LAB_MODEL); fi

serve: lab-model $(LAB_BIN)
	$(LAB_BIN) $(LAB_ARGS)

# The browser test's own model, so that it does not depend on what runs/ holds.
LAB_TEST_MODEL := $(BUILD)/lab/mlp-test.hwm
$(LAB_TEST_MODEL): | data $(BUILD)/bin/10-mlp
	$(BUILD)/bin/10-mlp --layers 784,256,10 --epochs 6 --seed 1 --quiet --out $(BUILD)/lab --save $@

test-browser: $(LAB_TEST_MODEL) $(LAB_BIN)
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	LAB_BIN=$(abspath $(LAB_BIN)) LAB_MODEL=$(abspath $(LAB_TEST_MODEL)) node --test tests/browser/lab.test.mjs

$(FUZZ_BUILD)/fuzz_idx: tests/fuzz/fuzz_idx.cpp src/data/idx.cpp src/core/matrix.cpp src/core/random.cpp
$(FUZZ_BUILD)/fuzz_model_file: tests/fuzz/fuzz_model_file.cpp src/nn/model_file.cpp src/core/matrix.cpp src/core/random.cpp
$(FUZZ_BUILD)/fuzz_predict_request $(FUZZ_BUILD)/fuzz_train_request: src/app/lab_requests.cpp src/report/json_parse.cpp
$(FUZZ_BUILD)/fuzz_predict_request: tests/fuzz/fuzz_predict_request.cpp
$(FUZZ_BUILD)/fuzz_train_request: tests/fuzz/fuzz_train_request.cpp
$(FUZZ_BINS): | deps-fuzz
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $(filter %.cpp,$^) -o $@

# Each harness for FUZZ_SECONDS from its seeds (tests/fuzz/seeds/NAME); new inputs it finds are
# kept in $(FUZZ_BUILD)/corpus/NAME. A crash, leak or sanitizer report fails the target.
fuzz: $(FUZZ_BINS)
	@for name in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$name; \
	  dict=tests/fuzz/$$name.dict; [ -f $$dict ] && dictflag=-dict=$$dict || dictflag=; \
	  echo "== fuzz $$name for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$name -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
	    -artifact_prefix=$(FUZZ_BUILD)/ $$dictflag $(FUZZ_BUILD)/corpus/$$name tests/fuzz/seeds/$$name \
	    2>$(FUZZ_BUILD)/$$name.log || { tail -n 30 $(FUZZ_BUILD)/$$name.log; exit 1; }; \
	  grep -E '^Done [0-9]+ runs' $(FUZZ_BUILD)/$$name.log; \
	done

# wrk drives POST /api/predict at 1 and 16 connections, without and with a training job.
bench-load: lab-model $(LAB_BIN)
	bash bench/lab_load.sh $(LAB_BIN)
# ================================================================ end of chapter 13

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
