"""Checkpoints load with weights_only=True plus an explicit allowlist, and nothing else loads."""
import argparse
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import CheckpointLoader

import tlalign_mm  # noqa: F401  (tests/conftest.py installs the safe local loader)
from tlalign_mm.utils import CorruptedCheckpointError, UnsafeCheckpointError, safe_torch_load


def mmengine_style_checkpoint(path):
    hub = MessageHub.get_instance('tlalign_ckpt_test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', 0.25)
    torch.save({
        'meta': {'epoch': 3, 'iter': 30, 'seed': np.int64(7), 'lr': np.float64(0.1),
                 'hist': np.arange(3)},
        'state_dict': {'w': torch.arange(4.)},
        'message_hub': hub.state_dict(),
    }, path)


def test_mmengine_checkpoint_loads_with_weights_only(tmp_path):
    path = str(tmp_path / 'ok.pth')
    mmengine_style_checkpoint(path)
    ckpt = safe_torch_load(path)
    assert ckpt['meta']['seed'] == 7
    np.testing.assert_array_equal(ckpt['meta']['hist'], [0, 1, 2])
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert buffer.mean() == pytest.approx(0.375)
    torch.testing.assert_close(ckpt['state_dict']['w'], torch.arange(4.))
    # mmengine's own loader (load_from, --resume, Pretrained init) goes through the same path.
    via_mmengine = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert via_mmengine['meta']['iter'] == 30


def test_loads_in_a_fresh_process(tmp_path):
    """No HistoryBuffer has been constructed there (its built-in statistics register lazily)."""
    path = str(tmp_path / 'ok.pth')
    mmengine_style_checkpoint(path)
    code = ('import tlalign_mm; from tlalign_mm.utils import safe_torch_load; '
            f'ckpt = safe_torch_load({path!r}); '
            "print(ckpt['message_hub']['log_scalars']['train/loss'].mean())")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == '0.375'


def test_checkpoint_needing_other_globals_is_refused(tmp_path):
    path = str(tmp_path / 'unsafe.pth')
    torch.save({'state_dict': {}, 'args': argparse.Namespace(lr=1)}, path)
    with pytest.raises(UnsafeCheckpointError, match='argparse.Namespace'):
        safe_torch_load(path)
    with pytest.raises(UnsafeCheckpointError, match='argparse.Namespace'):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    # weights_only was not switched off globally either.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_corrupted_and_missing_checkpoints(tmp_path):
    good = tmp_path / 'good.pth'
    mmengine_style_checkpoint(str(good))
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(good.read_bytes()[:200])
    with pytest.raises(CorruptedCheckpointError, match='corrupted checkpoint'):
        safe_torch_load(str(broken))
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        safe_torch_load(str(tmp_path / 'missing.pth'))
