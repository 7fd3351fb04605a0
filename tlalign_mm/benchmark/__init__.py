from .cells import Cell, CellFailed
from .runner import run_benchmark
from .spec import BenchmarkConfigError, load_spec

__all__ = ['BenchmarkConfigError', 'Cell', 'CellFailed', 'load_spec', 'run_benchmark']
