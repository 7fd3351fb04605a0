# The two entry points of the README. Each first makes sure the environment exists
# (tools/bootstrap.sh is idempotent: seconds when nothing changed).
PY := .venv/bin/python
WORK ?= work_dirs/demo_benchmark
WORK_FULL ?= work_dirs/demo_full_benchmark

.PHONY: env demo demo-full test
env:
	bash tools/bootstrap.sh

demo: env
	$(PY) tools/benchmark.py configs/benchmarks/demo.py --work-dir $(WORK)

demo-full: env
	$(PY) tools/benchmark.py configs/benchmarks/demo_full.py --work-dir $(WORK_FULL)

# Two test processes (pytest-xdist), one per core: most tests are single-threaded subprocesses;
# the shared digits runs are trained once per run across both (tests/conftest.py).
test: env
	$(PY) -m pytest tests -q -p no:cacheprovider -n 2 --dist worksteal --durations=15
