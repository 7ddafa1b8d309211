# Two commands a new user needs: `make demo` and `make test`. Each builds its own virtual environment.
PYTHON ?= python3
PORT   ?= 3000
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow test-distributed lint ui bench sample clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/subsidy run --inputs inputs --outputs outputs
	@echo
	@echo "== 正式公示：样例的 decisions.csv 已核实了部分问题，这些村可公示；其余村暂缓并说明原因（退出状态3，不算失败）=="
	$(BIN)/subsidy publish --inputs inputs --outputs outputs --date 2022-12-01 --by 样例公示人 --quiet; \
	  code=$$?; test $$code -eq 0 -o $$code -eq 3
	@echo
	@echo "结果在 outputs/2022/永嘉县/：分村汇总 summary.csv，公示 notices/（已公示的村是正式公示，其余是草稿），"
	@echo "工作人员用（含完整身份证号）internal/（先看 reconciliation.xlsx 的“公示准备”），档案 outputs/archive/"

test: $(STAMP)
	$(BIN)/pytest

test-slow: $(STAMP)  # kills the real commands at many points and re-runs them; many random seasons (about 7 minutes)
	$(BIN)/pytest -m slow

test-distributed: $(STAMP)  # a real PostgreSQL server, the Dagster daemon, three county-years at once (a few minutes)
	@test -x "$$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1)" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "需要 PostgreSQL：sudo apt-get install postgresql（或以 root 运行 make test-distributed）"; exit 1; fi; }
	$(BIN)/pytest -m distributed

lint: $(STAMP)
	$(BIN)/ruff check .

ui: $(STAMP)
	mkdir -p .dagster_home
	test -f .dagster_home/dagster.yaml || cp dagster_home_template/dagster.yaml .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(PORT)

bench: $(STAMP)  # the whole run at prefecture scale against its floor, then the parts (takes a while)
	$(BIN)/python benchmarks/bench_run.py --rows 100000 --repeat 3 --incremental
	$(BIN)/python benchmarks/bench_run.py --rows 100000 --layout county
	$(BIN)/python benchmarks/bench_run.py --rows 1000000
	$(BIN)/python benchmarks/bench_read.py --rows 200000
	$(BIN)/python benchmarks/bench_read.py --rows 1000000 --files 10
	$(BIN)/python benchmarks/bench_match.py --rows 1000000
	$(BIN)/python benchmarks/bench_render.py --villages 1000

sample: $(STAMP)
	rm -rf inputs && $(BIN)/python -m tests.sample_county inputs/2022/永嘉县

clean:
	rm -rf outputs .dagster_home benchmarks/out
