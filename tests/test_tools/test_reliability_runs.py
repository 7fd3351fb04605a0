"""tools/train.py and tools/test.py under faults: SIGKILL mid-epoch then --resume (exact), a
diverging learning rate (stops at the first NaN, keeps the good checkpoint) and checkpoints that
do not fit the config (one-line refusal instead of a random-weights metric).

One uninterrupted run of the digits TL-Align config (2 epochs of 19 iterations, a checkpoint
every 7 iterations so every checkpoint falls inside an epoch) is shared by the tests.
"""
import glob
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

from ..conftest import (LOADERS_IN_MAIN_PROCESS, ONE_THREAD, ROOT, call_tool_main, config_path,
                        run_tool)

TLALIGN = config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py')
CUTMIX = config_path('pretrain', 'deit', 'deit-digits_cutmix_digits.py')
UPERNET = config_path('seg', 'upernet_deit-digits_digits-ade20k.py')
SWIN_TLALIGN = config_path('pretrain', 'swin', 'swin-digits_tlalign_digits.py')
ITERS_PER_EPOCH, EPOCHS, EVERY = 19, 2, 7
RUN = ['--no-validate', '--cfg-options', f'train_cfg.max_epochs={EPOCHS}',
       'default_hooks.logger.interval=1', '+default_hooks.checkpoint.by_epoch=False',
       f'default_hooks.checkpoint.interval={EVERY}', 'default_hooks.checkpoint.max_keep_ckpts=-1',
       'randomness.deterministic=True', *LOADERS_IN_MAIN_PROCESS]
LAST = f'iter_{ITERS_PER_EPOCH * EPOCHS}.pth'


def logged(work_dir):
    """{iteration: (loss, align_gap)} over every run (timestamped folder) in ``work_dir``."""
    out = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for record in map(json.loads, f):
                if 'loss' in record:
                    out.setdefault(record['iter'], []).append(
                        (record['loss'], record['align_gap']))
    return out


def weights_file(path):
    from tlalign_mm.utils import safe_torch_load
    return safe_torch_load(path)


def weights(path):
    return weights_file(path)['state_dict']


@pytest.fixture(scope='module')
def reference(digits_root, tmp_path_factory):
    """The uninterrupted run, in this process (the killed and the resumed runs are fresh ones:
    the same floats either way, since the config fixes seed and determinism)."""
    work = str(tmp_path_factory.mktemp('uninterrupted'))
    code = call_tool_main(['tools/train.py', TLALIGN, '--work-dir', work, *RUN],
                          env_extra=ONE_THREAD)
    assert code == 0, 'the uninterrupted run failed (its output is above)'
    return work


def test_sigkill_mid_epoch_then_resume_is_bit_identical(reference, tmp_path):
    work = str(tmp_path / 'killed')
    env = dict(os.environ, **ONE_THREAD)
    proc = subprocess.Popen([sys.executable, 'tools/train.py', TLALIGN, '--work-dir', work, *RUN],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not glob.glob(osp.join(work, 'iter_*.pth')) and time.time() < deadline:
        assert proc.poll() is None, 'the run ended before its first checkpoint'
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # no clean-up of any kind, as a preempted job gets
    proc.wait()
    assert not osp.exists(osp.join(work, LAST)), 'the run finished before it was killed'
    # every checkpoint file the kill left is complete (saves are atomic)
    for path in glob.glob(osp.join(work, '*.pth')):
        assert 'state_dict' in weights_file(path)

    out = run_tool(['tools/train.py', TLALIGN, '--work-dir', work, '--resume', *RUN],
                   env_extra=ONE_THREAD)
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    resumed_at = int(log.split('resumed epoch: 0, iter: ')[1].split()[0])
    assert resumed_at % ITERS_PER_EPOCH and resumed_at % EVERY == 0  # inside epoch 1
    assert f'skipped the {resumed_at} batches' in log

    ref, ours = logged(reference), logged(work)
    assert sorted(ref) == list(range(1, ITERS_PER_EPOCH * EPOCHS + 1))
    for iteration, values in ours.items():  # the killed run's iterations, then the resumed
        assert all(v == ref[iteration][0] for v in values), iteration  # exact floats
    assert set(range(resumed_at + 1, ITERS_PER_EPOCH * EPOCHS + 1)) <= set(ours)
    mine, theirs = weights(osp.join(work, LAST)), weights(osp.join(reference, LAST))
    assert mine.keys() == theirs.keys()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)


def test_nonfinite_loss_stops_and_keeps_the_good_checkpoint(digits_root, tmp_path):
    """Run through the benchmark's cell runner: the diverged cell must not count as trained."""
    from tlalign_mm.benchmark.cells import CellFailed, CellRunner, finished_training
    work = str(tmp_path / 'nan')
    options = ['train_cfg.max_epochs=1', 'optim_wrapper.optimizer.lr=1e4',
               'optim_wrapper.clip_grad=None', 'default_hooks.logger.interval=1',
               '+default_hooks.checkpoint.by_epoch=False', 'default_hooks.checkpoint.interval=2',
               'default_hooks.checkpoint.max_keep_ckpts=1', 'train_cfg.val_interval=5',
               *LOADERS_IN_MAIN_PROCESS]
    runner = CellRunner(ROOT, str(digits_root), extra_env=ONE_THREAD)
    with pytest.raises(CellFailed) as failure:
        runner.train(CUTMIX, work, options)
    assert finished_training(work) is None  # the benchmark would train this cell again
    with open(osp.join(work, 'train.log')) as f:
        errors = [line for line in f if line.startswith('error:')]
    assert len(errors) == 1, errors
    found = re.match(r'error: non-finite loss at iteration (\d+) \(epoch 1\): loss=(nan|inf)',
                     errors[0])
    assert found, errors[0]
    bad = int(found.group(1))
    saved = sorted(int(osp.basename(p)[5:-4]) for p in glob.glob(osp.join(work, 'iter_*.pth')))
    assert saved == [(bad - 1) // 2 * 2]  # the last good one only (max_keep_ckpts=1)
    assert f'the last good checkpoint is {work}/iter_{saved[0]}.pth' in errors[0]
    assert f'failed: {errors[0][len("error: "):].strip()} (log: ' in str(failure.value)
    assert all(torch.isfinite(v).all() for v in weights(osp.join(work, f'iter_{saved[0]}.pth'))
               .values() if v.is_floating_point())


def test_checkpoint_of_another_model_is_refused(reference, tmp_path, tool):
    classifier = osp.join(reference, LAST)
    out = tool(['tools/test.py', UPERNET, classifier, '--work-dir', str(tmp_path / 't'),
                '--out-metrics', str(tmp_path / 'metrics.json')], env_extra=ONE_THREAD)
    assert out.returncode != 0
    line = out.stderr.strip().splitlines()[-1]
    assert line.startswith(f'error: checkpoint {classifier} does not fit this model: it has no '
                           'weights for decode_head')
    assert 'neck' in line and '--allow-missing-weights' in line
    assert not any(tag in out.stdout for tag in ('Iter(test)', 'Epoch(test)'))  # no eval ran
    assert not (tmp_path / 'metrics.json').exists()

    out = tool(['tools/train.py', SWIN_TLALIGN, '--work-dir', str(tmp_path / 'r'),
                '--resume', classifier, '--cfg-options', *LOADERS_IN_MAIN_PROCESS],
               env_extra=ONE_THREAD)
    assert out.returncode != 0
    line = out.stderr.strip().splitlines()[-1]
    assert line.startswith(f'error: checkpoint {classifier} does not fit this model')
    assert 'backbone' in line and 'Epoch(train)' not in out.stdout


def test_resuming_another_configs_checkpoint_names_what_differs(reference, tmp_path, tool):
    """The run ends where the checkpoint does (nothing is trained): only the warning shows."""
    last = osp.join(reference, LAST)
    out = tool(['tools/train.py', CUTMIX, '--work-dir', str(tmp_path / 'c'), '--resume', last,
                *RUN], env_extra=ONE_THREAD)
    assert out.returncode == 0, out.stderr[-2000:]
    warning = next(line for line in out.stdout.splitlines() if line.startswith('warning: resum'))
    assert warning.startswith(f'warning: resuming {last}, which was trained with another '
                              "config: custom_hooks: [{'label_mode': 'scalar', 'type': "
                              "'TLAlignHook'}, ")
    assert ("model.train_cfg.augments: [{'alpha': 1.0, 'patch_size': 8, 'type': "
            "'AlignedTokenCutMix'}] -> [{'type': 'CutMix', 'alpha': 1.0}]") in warning
    out = tool(['tools/train.py', TLALIGN, '--work-dir', str(tmp_path / 't'), '--resume', last,
                *RUN], env_extra=ONE_THREAD)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'trained with another config' not in out.stdout


def test_nothing_written_is_overwritten(reference, tmp_path, tool):
    """Training into another run's work dir, or writing metrics over an existing file, is
    refused before anything runs; --resume / --overwrite are the explicit ways."""
    files = {name: open(osp.join(reference, name), 'rb').read()
             for name in os.listdir(reference) if osp.isfile(osp.join(reference, name))}
    out = tool(['tools/train.py', CUTMIX, '--work-dir', reference, *RUN], env_extra=ONE_THREAD)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1].startswith(
        f'error: work dir {reference} holds the checkpoints of an earlier run (iter_14.pth, '
        'iter_21.pth, iter_28.pth (+3 more)); pass --resume to continue it, --overwrite to '
        'train over it, or choose another --work-dir')
    assert 'Epoch(train)' not in out.stdout and 'Iter(train)' not in out.stdout
    metrics = tmp_path / 'metrics.json'
    metrics.write_text('{"accuracy/top1": 12.5}')
    for argv in (['tools/train.py', CUTMIX, '--work-dir', str(tmp_path / 'w'), *RUN[:1],
                  '--out-metrics', str(metrics), *RUN[1:]],
                 ['tools/test.py', TLALIGN, osp.join(reference, LAST), '--work-dir',
                  str(tmp_path / 't'), '--out-metrics', str(metrics)]):
        out = tool(argv, env_extra=ONE_THREAD)
        assert out.returncode != 0
        assert out.stderr.strip().splitlines()[-1] == (
            f'error: {metrics} exists; refusing to overwrite it (pass --overwrite to replace '
            'it, or choose another output)')
    assert metrics.read_text() == '{"accuracy/top1": 12.5}'
    assert not (tmp_path / 'w').exists()
    assert files == {name: open(osp.join(reference, name), 'rb').read() for name in files}
    out = tool(['tools/test.py', TLALIGN, osp.join(reference, LAST), '--work-dir',
                str(tmp_path / 't'), '--out-metrics', str(metrics), '--overwrite',
                '--cfg-options', *LOADERS_IN_MAIN_PROCESS], env_extra=ONE_THREAD)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'accuracy/top1' in json.loads(metrics.read_text()) and \
        json.loads(metrics.read_text())['accuracy/top1'] != 12.5
