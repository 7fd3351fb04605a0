"""One benchmark cell = one normal tools/train.py run with its own work dir.

Each training tests its final checkpoint in the same process (``--out-metrics``); the
evaluation cell of a pre-training shares the pre-training's folder, so that test is the cell.
A resumed cell whose training had finished is tested by a tools/test.py run. A cell is finished
when its ``metrics.json`` exists (written from the evaluator's own result), so an interrupted
benchmark resumes where it stopped.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, List, Optional

from ..utils.atomic_io import atomic_write_text
from ..errors import TLAlignError


class CellFailed(TLAlignError, RuntimeError):
    """A training or test run of a cell exited with an error."""


@dataclass
class Cell:
    arm: str
    task: str
    seed: int
    work_dir: str
    options: Optional[List[str]] = None  # the cfg_options it runs with (set by the plan)
    identity: Optional[Dict] = None  # what decides its result (:mod:`.identity`)

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

    def __init__(self, repo_root, data_root, gpus=1, extra_env=None, threads=None,
                 train_flags=()):
        self.repo_root = repo_root
        self.train_flags = list(train_flags)  # e.g. --tensorboard: output only, not identity
        self.env = dict(os.environ, TLALIGN_DATA_ROOT=data_root, **(extra_env or {}))
        if threads:  # torch's intra-op threads of every cell process (read at its start)
            self.env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        self.gpus = gpus

    def _run(self, args, log_path):
        with open(log_path, 'w') as log:
            proc = subprocess.run(args, cwd=self.repo_root, env=self.env, stdout=log,
                                  stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            with open(log_path) as f:
                lines = f.readlines()
            last = lines[-1].strip() if lines else ''
            if last.startswith('error: '):  # the tool's own one-line report: that is the cause
                raise CellFailed(f'{" ".join(args[:3])} failed: {last[len("error: "):]} '
                                 f'(log: {log_path})')
            tail = ''.join(lines[-25:])
            raise CellFailed(f'{" ".join(args[:3])} failed (exit {proc.returncode}); '
                             f'log: {log_path}\n{tail}')

    def train(self, config, work_dir, cfg_options, metrics_file=None):
        """Train; with ``metrics_file`` the same process then tests the final checkpoint."""
        os.makedirs(work_dir, exist_ok=True)
        options = ['--cfg-options', *cfg_options] if cfg_options else []
        if metrics_file:
            if osp.isfile(metrics_file):  # an unfinished cell's: not a result of this run
                os.remove(metrics_file)
            options = ['--out-metrics', metrics_file, *options]
        # an unfinished cell (a killed benchmark) continues from its newest checkpoint; its
        # folder only ever holds runs of the same identity (plan.check_reuse)
        options = ['--resume', *self.train_flags, *options]
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
    """Prints each job's start and end (with its metric and time) and an ETA over all jobs.

    Jobs may run side by side (``slots``), so every line names its job and the ETA divides the
    work left by the slots.
    """

    def __init__(self, total_cells, slots=1):
        self.total_cells, self.slots = total_cells, slots
        self.jobs, self.finished, self.spent = 0, 0, 0.0
        self._lock = threading.Lock()

    def expect(self, jobs):
        self.jobs = jobs

    def _eta(self):
        if not self.finished:
            return ''
        left = (self.jobs - self.finished) * self.spent / self.finished / self.slots
        return f', ETA {time.strftime("%H:%M:%S", time.gmtime(left))}'

    @contextmanager
    def job(self, label, index=None):
        """Around one job; the caller may append words (its metric) to the yielded list."""
        tag = f'[{index}/{self.total_cells}] ' if index else ''
        with self._lock:
            print(f'{tag}{label}{self._eta()}', flush=True)
        start, words = time.time(), []
        yield words
        took = time.time() - start
        with self._lock:
            self.finished += 1
            self.spent += took
            print(f'      {tag}{label}: {" ".join(words + ["done"])} ({took:.0f}s)', flush=True)
