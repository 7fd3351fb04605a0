# The two entry points of the README. Each first makes sure the environment exists
# (tools/bootstrap.sh is idempotent: seconds when nothing changed).
PY := .venv/bin/python
WORK ?= work_dirs/demo_benchmark

.PHONY: env demo test
env:
	bash tools/bootstrap.sh

demo: env
	$(PY) tools/benchmark.py configs/benchmarks/demo.py --work-dir $(WORK)

test: env
	$(PY) -m pytest tests -q -p no:cacheprovider --durations=15
