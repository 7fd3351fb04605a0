"""One benchmark cell = one normal tools/train.py + tools/test.py run with its own work dir.

A cell is finished when its ``metrics.json`` exists (written by tools/test.py from the
evaluator's own result), so an interrupted benchmark resumes where it stopped.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from dataclasses import dataclass

from ..utils.atomic_io import atomic_write_text


class CellFailed(RuntimeError):
    """A training or test run of a cell exited with an error."""


@dataclass
class Cell:
    arm: str
    task: str
    seed: int
    work_dir: str

    @property
    def metrics_file(self):
        return osp.join(self.work_dir, 'metrics.json')

    @property
    def done(self):
        return osp.isfile(self.metrics_file)

    def metrics(self):
        with open(self.metrics_file) as f:
            return json.load(f)


def last_checkpoint(work_dir):
    """The checkpoint mmengine's CheckpointHook recorded last in ``work_dir``."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise CellFailed(f'no checkpoint recorded in {work_dir}')
    with open(marker) as f:
        return f.read().strip()


def finished_training(work_dir):
    """The final checkpoint of a training run that completed, else None.

    ``last_checkpoint`` alone is not enough: a run killed mid-way leaves it pointing at an
    intermediate epoch. ``train_done`` is written only after the training process succeeded.
    """
    marker = osp.join(work_dir, 'train_done')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        return f.read().strip()


class CellRunner:
    """Runs the train/test commands of cells as subprocesses, logging to the cell's folder."""

    def __init__(self, repo_root, data_root, gpus=1, extra_env=None):
        self.repo_root = repo_root
        self.env = dict(os.environ, TLALIGN_DATA_ROOT=data_root, **(extra_env or {}))
        self.gpus = gpus

    def _run(self, args, log_path):
        with open(log_path, 'w') as log:
            proc = subprocess.run(args, cwd=self.repo_root, env=self.env, stdout=log,
                                  stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            with open(log_path) as f:
                tail = ''.join(f.readlines()[-25:])
            raise CellFailed(f'{" ".join(args[:3])} failed (exit {proc.returncode}); '
                             f'log: {log_path}\n{tail}')

    def train(self, config, work_dir, cfg_options):
        os.makedirs(work_dir, exist_ok=True)
        options = ['--cfg-options', *cfg_options] if cfg_options else []
        if self.gpus > 1:
            args = ['bash', 'tools/dist_train.sh', config, str(self.gpus)]
        else:
            args = [sys.executable, 'tools/train.py', config]
        self._run([*args, '--work-dir', work_dir, *options], osp.join(work_dir, 'train.log'))
        checkpoint = last_checkpoint(work_dir)
        atomic_write_text(osp.join(work_dir, 'train_done'), checkpoint)
        return checkpoint

    def test(self, config, checkpoint, cell, cfg_options):
        os.makedirs(cell.work_dir, exist_ok=True)  # a robustness cell trains nothing first
        options = ['--cfg-options', *cfg_options] if cfg_options else []
        self._run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
                   cell.work_dir, '--out-metrics', cell.metrics_file, *options],
                  osp.join(cell.work_dir, 'test.log'))
        return cell.metrics()


class Progress:
    """Prints which cell runs and an ETA from the cells finished in this session."""

    def __init__(self, total):
        self.total, self.finished, self.spent = total, 0, 0.0

    def start(self, index, cell):
        eta = ''
        if self.finished:
            left = (self.total - index + 1) * self.spent / self.finished
            eta = f', ETA {time.strftime("%H:%M:%S", time.gmtime(left))}'
        print(f'[{index}/{self.total}] {cell.arm} / {cell.task} / seed {cell.seed}{eta}',
              flush=True)
        self._t0 = time.time()

    def end(self, metrics_line):
        took = time.time() - self._t0
        self.finished += 1
        self.spent += took
        print(f'      {metrics_line} ({took:.0f}s)', flush=True)
