# Two commands a new user needs: `make demo` and `make test`. Each builds its own virtual environment.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint ui bench sample clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/subsidy run --inputs inputs --outputs outputs
	@echo
	@echo "结果在 outputs/2022/永嘉县/：分村汇总 summary.csv，公示 notices/，工作人员用（含完整身份证号）internal/"

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

ui: $(STAMP)
	mkdir -p .dagster_home
	test -f .dagster_home/dagster.yaml || cp dagster_home_template/dagster.yaml .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_read.py --rows 200000
	$(BIN)/python benchmarks/bench_read.py --rows 1000000 --files 10
	$(BIN)/python benchmarks/bench_match.py --rows 1000000
	$(BIN)/python benchmarks/bench_render.py --villages 1000

sample: $(STAMP)
	rm -rf inputs && $(BIN)/python -m tests.sample_county inputs/2022/永嘉县

clean:
	rm -rf outputs .dagster_home benchmarks/out
