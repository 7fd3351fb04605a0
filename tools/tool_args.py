"""The command-line pieces tools/train.py and tools/test.py share (kept light: ``--help`` and
bad arguments answer before the model stack is imported)."""
import argparse
import os
import sys
import warnings

# setuptools warns on every mmengine import that pkg_resources is deprecated; mmengine 0.10.7
# needs it to resolve `mmseg::` bases, and the noise would bury one-line input errors.
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from mmengine.config import DictAction  # noqa: E402


def add_run_arguments(parser: argparse.ArgumentParser, cfg_example: str) -> None:
    """``--cfg-options``, ``--launcher`` and the launcher's ``--local-rank``."""
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help=f'override settings in the config, e.g. {cfg_example}')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--allow-random-base', action='store_true',
                        help='run a frozen backbone (adapters, linear probe) without its '
                        '`pretrained` checkpoint')


def add_tensorboard_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--tensorboard``: the logged scalars as TensorBoard events too (``what`` says where)."""
    parser.add_argument('--tensorboard', action='store_true',
                        help=f'also write the logged scalars (losses, lr, align_gap, ...) as '
                        f'TensorBoard events {what}: tensorboard --logdir WORK_DIR')


def parse_run_arguments(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse; publish the local rank as ``$LOCAL_RANK`` where the launcher did not."""
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def run_tool(work, args: argparse.Namespace):
    """``work(args)`` with the tools folder importable, then the process group (if any)
    closed: gloo aborts a rank that interpreter shutdown leaves it to."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from launch_utils import process_group_closed
    with process_group_closed():
        return work(args)
