"""tools/train.py --tensorboard: the logged scalars, TL-Align's align_gap among them, read back
from the event file with tensorboard's own reader, equal to what the json log holds; without
the package the switch is one line."""
import glob
import json
import os.path as osp

import pytest

from ..conftest import config_path

event_accumulator = pytest.importorskip(
    'tensorboard.backend.event_processing.event_accumulator')


def event_scalars(work_dir):
    """{tag: {step: value}} of the run's one TensorBoard event file."""
    (events, ) = glob.glob(osp.join(work_dir, '*', 'vis_data', 'events.out.tfevents.*'))
    reader = event_accumulator.EventAccumulator(events)
    reader.Reload()
    return {tag: {event.step: event.value for event in reader.Scalars(tag)}
            for tag in reader.Tags()['scalars']}


def json_scalars(work_dir, tag):
    """{step: value} of ``tag`` in mmengine's own scalars.json (LocalVisBackend)."""
    (path, ) = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        records = [json.loads(line) for line in f]
    return {r['step']: r[tag] for r in records if tag in r and 'lr' in r}  # train records


def test_tlalign_digits_run_writes_align_gap_events(trained_digits):
    work = trained_digits('deit_tlalign').work_dir  # trained with --tensorboard (conftest)
    scalars = event_scalars(work)
    for tag in ('align_gap', 'loss', 'lr'):
        logged = json_scalars(work, tag)
        assert len(logged) == 12 * 3, tag  # 12 epochs of 19 iterations, logged every 5th
        assert scalars[tag].keys() == logged.keys(), tag
        assert scalars[tag] == pytest.approx(logged, rel=1e-6), tag
    assert max(scalars['align_gap'].values()) > 0.01  # aligned labels differ from the area's


def test_switch_without_tensorboard_is_one_line(tool, monkeypatch, tmp_path):
    import importlib.util

    from tlalign_mm.utils import tensorboard
    real = importlib.util.find_spec
    monkeypatch.setattr(tensorboard.importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'tensorboard' else real(name, *a))
    out = tool(['tools/train.py', config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py'),
                '--work-dir', str(tmp_path / 'run'), '--tensorboard'])
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        'error: --tensorboard needs the tensorboard package: pip install tensorboard (or pip '
        'install -e ".[tensorboard]")']
    assert not (tmp_path / 'run').exists()
