"""Run a benchmark: every arm (pre-training recipe) x every task, one table and plot.

Usage: python tools/benchmark.py BENCH_CONFIG [--work-dir DIR] [--arms A ..] [--tasks T ..]
       [--jobs N]
Each cell is a normal tools/train.py run (testing its last checkpoint) with its own work dir;
finished cells are skipped, so re-running an interrupted benchmark resumes it.
"""
import argparse
import os.path as osp
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main(argv=None):
    parser = argparse.ArgumentParser(description='arms x tasks benchmark')
    parser.add_argument('config', help='benchmark config (configs/benchmarks/*.py)')
    parser.add_argument('--work-dir', help='where cells and results go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--arms', nargs='+', help='run only these arms')
    parser.add_argument('--tasks', nargs='+', help='run only these tasks')
    parser.add_argument('--jobs', type=int, help='cells run side by side (default: the '
                        "config's `jobs`, else 1); each keeps the config's threads_per_cell")
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error(f'--jobs must be at least 1, got {args.jobs}')

    import tlalign_mm  # noqa: F401
    from tlalign_mm.benchmark import BenchmarkConfigError, CellFailed, load_spec, run_benchmark
    from tlalign_mm.benchmark.best import report_best
    from tlalign_mm.benchmark.locking import WorkDirLockedError

    work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    start = time.time()
    try:
        spec = load_spec(args.config, ROOT, args.arms, args.tasks)
        markdown, paths = run_benchmark(spec, osp.abspath(work_dir), ROOT,
                                        slots=args.jobs)
        best = report_best(spec, osp.abspath(work_dir), ROOT)  # pre-trainings with save_best
    except (BenchmarkConfigError, CellFailed, WorkDirLockedError) as err:
        sys.exit(f'error: {err}')
    print('\n' + markdown)
    print(f'results: {paths["json"]}, {paths["csv"]}, {paths["md"]}')
    print(f'plot:    {paths["png"]}')
    if best:
        print('\nlast vs best epoch (results_best.md):\n' + best)
    print(f'benchmark time: {time.time() - start:.0f}s')


if __name__ == '__main__':
    main()
