"""Crash-safe writes: a kill in the middle of a checkpoint save leaves the previous file intact,
and ``--resume`` continues from the newest checkpoint that actually loads."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint

from tlalign_mm.utils import safe_torch_load
from tlalign_mm.utils.atomic_io import TEMP_SUFFIX, AtomicLocalBackend, atomic_write_json
from tlalign_mm.utils.resume import resumable_checkpoint


def checkpoint(step):
    return {'meta': {'iter': step}, 'state_dict': {'w': torch.full((64, ), float(step))}}


def test_mmengine_checkpoint_writes_go_through_the_atomic_backend(tmp_path, monkeypatch):
    # installed by install_safety() (tests/conftest.py calls it, as the tools do)
    assert isinstance(get_file_backend(str(tmp_path / 'x.pth')), AtomicLocalBackend)
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint(checkpoint(1), path)
    assert safe_torch_load(path)['meta']['iter'] == 1

    def interrupted(src, dst):  # the process dies between writing and renaming
        raise KeyboardInterrupt

    monkeypatch.setattr(os, 'replace', interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(checkpoint(2), path)
    monkeypatch.undo()
    assert safe_torch_load(path)['meta']['iter'] == 1  # old content, complete
    assert os.listdir(tmp_path) == ['epoch_1.pth']  # no temp file left behind


def test_sigkill_during_a_checkpoint_save(tmp_path):
    """A real SIGKILL while the bytes are being written (held there by a slow fsync)."""
    path = str(tmp_path / 'iter_20.pth')
    save_checkpoint(checkpoint(10), str(tmp_path / 'iter_10.pth'))
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_10.pth'))
    code = ('import os, time, torch, tlalign_mm\n'
            'tlalign_mm.install_safety()\n'
            'from mmengine.runner.checkpoint import save_checkpoint\n'
            'os.fsync = lambda fd: (print("writing", flush=True), time.sleep(60))\n'
            f'save_checkpoint({{"meta": {{}}, "state_dict": {{"w": torch.zeros(10**6)}}}}, '
            f'{path!r})\n')
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)
    lines = iter(proc.stdout.readline, '')
    assert any(line.strip() == 'writing' for line in lines)  # mmengine may log first
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not os.path.exists(path)  # never visible under its final name
    leftovers = [name for name in os.listdir(tmp_path) if name.endswith(TEMP_SUFFIX)]
    assert len(leftovers) == 1 and not leftovers[0].endswith('.pth')
    assert resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')


def test_resume_skips_a_truncated_or_missing_recorded_checkpoint(tmp_path):
    good = tmp_path / 'iter_10.pth'
    save_checkpoint(checkpoint(10), str(good))
    time.sleep(0.01)
    truncated = tmp_path / 'iter_20.pth'  # what a non-atomic writer leaves after a kill
    save_checkpoint(checkpoint(20), str(truncated))
    truncated.write_bytes(truncated.read_bytes()[:300])
    (tmp_path / 'last_checkpoint').write_text(str(truncated))
    assert resumable_checkpoint(str(tmp_path)) == str(good)
    # max_keep_ckpts removed the recorded file before the kill: the newest loadable one wins
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_30.pth'))
    assert resumable_checkpoint(str(tmp_path)) == str(good)
    # nothing loadable: no resume point (the run starts from scratch, as mmengine's does)
    good.unlink()
    assert resumable_checkpoint(str(tmp_path)) is None


def test_atomic_json_keeps_the_old_file_on_error(tmp_path):
    path = str(tmp_path / 'metrics.json')
    atomic_write_json(path, {'accuracy/top1': 50.0})
    with pytest.raises(TypeError):
        atomic_write_json(path, {'accuracy/top1': object()})  # fails half-way through dumping
    with open(path) as f:
        assert f.read() == '{"accuracy/top1": 50.0}'
    assert oct(os.stat(path).st_mode & 0o777) != oct(0o600)  # usual permissions, not mkstemp's
    assert os.listdir(tmp_path) == ['metrics.json']
