"""Run a benchmark: every arm (pre-training recipe) x every task, one table and plot.

Usage: python tools/benchmark.py BENCH_CONFIG [--work-dir DIR] [--arms A ..] [--tasks T ..]
       [--jobs N] [--rerun-changed] [--tensorboard]
Each cell is a normal tools/train.py run (testing its last checkpoint) with its own work dir.
A finished cell is reused only if its configs, cfg_options and seed are the ones it ran with
(recorded in its cell.json), so re-running an interrupted benchmark resumes it; a changed cell
is refused, or run again with --rerun-changed (its old folder kept beside it).
"""
import argparse
import os.path as osp
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from tool_args import add_tensorboard_argument  # noqa: E402

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
    parser.add_argument('--rerun-changed', action='store_true',
                        help='run again every finished cell whose configs, cfg_options or seed '
                        'changed since (its old folder is renamed <folder>.replaced-<n>)')
    add_tensorboard_argument(parser, 'in every cell (tools/train.py --tensorboard)')
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error(f'--jobs must be at least 1, got {args.jobs}')

    from tlalign_mm.benchmark import load_spec, run_benchmark
    from tlalign_mm.benchmark.best import report_best
    from tlalign_mm.errors import TLAlignError
    from tlalign_mm.utils.tensorboard import require_tensorboard

    work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    start = time.time()
    try:
        if args.tensorboard:
            require_tensorboard()
        spec = load_spec(args.config, ROOT, args.arms, args.tasks)
        plan, markdown, paths = run_benchmark(spec, osp.abspath(work_dir), ROOT,
                                              slots=args.jobs, rerun_changed=args.rerun_changed,
                                              tensorboard=args.tensorboard)
        best = report_best(plan, ROOT)  # pre-trainings with save_best
    except TLAlignError as err:  # bad config, a changed cell, a failed cell, a locked work dir
        sys.exit(f'error: {err}')
    print('\n' + markdown)
    if spec.subset:
        print('(--arms/--tasks: a subset report; the full report, if any, is unchanged)')
    print(f'results: {paths["json"]}, {paths["csv"]}, {paths["md"]}')
    print(f'plot:    {paths["png"]}')
    if best:
        print('\nlast vs best epoch (results_best.md):\n' + best)
    print(f'benchmark time: {time.time() - start:.0f}s')


if __name__ == '__main__':
    main()
