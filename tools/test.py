"""Evaluate a checkpoint with the config's own evaluator (Accuracy, IoUMetric, CocoMetric, ...).

Usage: python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out-metrics metrics.json]
       [--allow-missing-weights]
       [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import sys

from tool_args import add_run_arguments, parse_run_arguments, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a checkpoint (mmpretrain / mmseg / mmdet)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument('--out-metrics', help='write the metrics dict as JSON to this file')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing --out-metrics file (refused without it)')
    parser.add_argument(
        '--allow-missing-weights', action='store_true',
        help='evaluate even if the checkpoint leaves model weights uninitialised')
    add_run_arguments(parser, 'test_dataloader.batch_size=4')
    return parse_run_arguments(parser, argv)


def main(argv=None):
    return run_tool(test, parse_args(argv))


def test(args):
    from launch_utils import (TLAlignError, build_test_runner, config_build_errors, one_line,
                              refuse_existing, write_metrics)
    try:  # bad input, configs (a misspelled type or keyword too), checkpoints or data: one line
        with config_build_errors():
            refuse_existing([args.out_metrics], args.overwrite)
            runner = build_test_runner(args.config, args.checkpoint, args.cfg_options,
                                       args.work_dir, args.launcher, args.allow_missing_weights,
                                       args.allow_random_base)
            metrics = runner.test()
    except TLAlignError as err:
        sys.exit(f'error: {one_line(err)}')
    write_metrics(args.out_metrics, runner, metrics)
    return metrics


if __name__ == '__main__':
    main()
