"""tools/benchmark.py: arms x tasks through real train/test runs, resumable, checked up front."""
import glob
import json
import os
import os.path as osp
import re
import sys

import pytest

from ..conftest import ROOT

# One arm: every cell is a real train + test process pair (the cost of this file); reports with
# several arms are tested on written metrics (test_statistics.py).
SHORT = """
arms = dict(
    tlalign=dict(pretrain='configs/pretrain/deit/deit-digits_tlalign_digits.py', label='TL'),
)
tasks = dict(
    classification=dict(type='pretrain', metric='accuracy/top1'),
    fine_grained=dict(type='transfer', config='configs/fgvc/deit-digits_finetune_digits-cub.py',
                      metric='accuracy/top1'),
)
seeds = [0]
threads_per_cell = 1
data = dict(root='data')
_loaders = ['train_dataloader', 'val_dataloader', 'test_dataloader']
cfg_options = dict(
    all=[f'{d}.num_workers=0' for d in _loaders] +
    [f'+{d}.persistent_workers=False' for d in _loaders] +
    [f'+{d}.dataset.indices=64' for d in _loaders],  # two train batches, one test batch
    pretrain=['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
              'default_hooks.checkpoint.interval=1'],
    fine_grained=['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                  'default_hooks.checkpoint.interval=1'],
)
"""


def bench(tool, config, work_dir, *extra, env=None):
    """tools/benchmark.py in the test process; its cells still train in their own processes."""
    return tool(['tools/benchmark.py', config, '--work-dir', work_dir, *extra], env_extra=env)


def logged_metric(test_log, metric):
    """The value tools/test.py's runner logged (mmengine prints 4 decimals)."""
    with open(test_log) as f:
        text = f.read()
    return float(re.findall(re.escape(metric) + r': ([0-9.]+)', text)[-1])


def test_short_benchmark_reports_the_logged_metrics_and_resumes(digits_root, tmp_path, tool):
    config = tmp_path / 'short.py'
    config.write_text(SHORT)
    work = tmp_path / 'bench'
    # Two jobs: once the pre-training has finished, both cells run side by side; every cell
    # writes TensorBoard events too.
    out = bench(tool, config, work, '--jobs', '2', '--tensorboard')
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    assert 'tlalign / pre-training / seed 0' in out.stdout
    assert '[1/2] tlalign / classification / seed 0' in out.stdout
    assert 'ETA' in out.stdout
    results = json.load(open(work / 'results.json'))
    table_md = (work / 'results.md').read_text()
    assert osp.getsize(work / 'results.png') > 1000
    for arm in ('tlalign', ):
        # every cell is tested by its own tools/train.py process after training
        # (--out-metrics): the test loop logs last
        for task, folder, log in (('classification', 'pretrain', 'train.log'),
                                  ('fine_grained', 'fine_grained', 'train.log')):
            cell = work / arm / 'seed0' / folder
            value = results['arms'][arm][task]['values'][0]
            assert value == json.load(open(cell / 'metrics.json'))['accuracy/top1']
            assert value == pytest.approx(logged_metric(cell / log, 'accuracy/top1'), abs=5e-5)
            assert f'{value:.2f}' in table_md
    assert '| TL |' in table_md
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    for folder, tag in (('pretrain', 'align_gap'), ('fine_grained', 'loss')):
        (events, ) = glob.glob(str(work / 'tlalign' / 'seed0' / folder / '*' / 'vis_data' /
                                   'events.out.tfevents.*'))
        reader = EventAccumulator(events)
        reader.Reload()
        assert reader.Scalars(tag), (folder, tag)
    for folder in ('pretrain', 'fine_grained'):
        cell = work / 'tlalign' / 'seed0' / folder
        assert 'Epoch(test)' in (cell / 'train.log').read_text()
        assert not (cell / 'test.log').exists()
    # The transfer cell's backbone started from the arm's own pre-training checkpoint.
    pretrained = work / 'tlalign' / 'seed0' / 'pretrain' / 'epoch_1.pth'
    assert f'load backbone. in model from: {pretrained}' in (
        work / 'tlalign' / 'seed0' / 'fine_grained' / 'train.log').read_text()

    # Re-run: nothing is trained again.
    stamp = osp.getmtime(work / 'tlalign' / 'seed0' / 'pretrain' / 'train.log')
    out = bench(tool, config, work)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.count('finished earlier with the same configs') == 2
    assert osp.getmtime(work / 'tlalign' / 'seed0' / 'pretrain' / 'train.log') == stamp

    # An interrupted benchmark (one cell without metrics) redoes only that cell: here the
    # classification cell, killed after its pre-training finished, is evaluated again from the
    # finished checkpoint without training it again.
    cell = work / 'tlalign' / 'seed0' / 'pretrain'
    os.remove(cell / 'metrics.json')
    out = bench(tool, config, work)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.count('finished earlier with the same configs') == 1
    assert '[2/2] tlalign / fine_grained / seed 0: finished earlier' in out.stdout
    assert '[1/2] tlalign / classification / seed 0: finished earlier' not in out.stdout
    assert osp.getmtime(cell / 'train.log') == stamp  # not trained again
    assert 'Epoch(test)' in (cell / 'test.log').read_text()  # evaluated again, by tools/test.py
    assert json.load(open(cell / 'metrics.json'))['accuracy/top1'] == (
        results['arms']['tlalign']['classification']['values'][0])  # the same checkpoint


@pytest.mark.parametrize('edit,extra,message', [
    (None, ['--arms', 'mixup'], "unknown arm(s) ['mixup']"),
    (None, ['--tasks', 'depth'], "unknown task(s) ['depth']"),
    (("type='pretrain'", "type='linear_probe'"), [], "unknown type 'linear_probe'"),
    (('configs/fgvc/deit-digits_finetune_digits-cub.py', 'configs/fgvc/nope.py'), [],
     'config file not found: configs/fgvc/nope.py'),
])
def test_bad_benchmark_configs_fail_before_training(digits_root, tmp_path, edit, extra,
                                                    message, tool):
    text = SHORT if edit is None else SHORT.replace(*edit)
    config = tmp_path / 'bad.py'
    config.write_text(text)
    out = bench(tool, config, tmp_path / 'bench', *extra)
    assert out.returncode != 0
    assert message in out.stderr
    assert not (tmp_path / 'bench').exists()


def test_interrupted_training_is_not_taken_for_finished(tmp_path):
    """A run killed after an intermediate checkpoint leaves last_checkpoint but no train_done."""
    from tlalign_mm.benchmark.cells import finished_training
    (tmp_path / 'epoch_4.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_4.pth'))
    assert finished_training(str(tmp_path)) is None
    (tmp_path / 'train_done').write_text(str(tmp_path / 'epoch_12.pth'))
    assert finished_training(str(tmp_path)) == str(tmp_path / 'epoch_12.pth')


def test_missing_dataset_fails_before_training(tmp_path, tool):
    config = tmp_path / 'short.py'
    config.write_text(SHORT)
    out = bench(tool, config, tmp_path / 'bench',
                env={'TLALIGN_DATA_ROOT': str(tmp_path / 'none')})
    assert out.returncode != 0
    assert "arm 'tlalign': dataset root not found" in out.stderr
    assert not (tmp_path / 'bench').exists()


def test_a_cell_that_fails_in_one_line_reports_that_line(digits_root, tmp_path, tool):
    """A misspelled type reaches the cell's tools/train.py (the plan checks keys, not values);
    the benchmark's own error is the tool's line, not a log tail."""
    config = tmp_path / 'typo.py'
    config.write_text(SHORT.replace("pretrain=['train_cfg.max_epochs=1',",
                                    "pretrain=['model.backbone.type=VisionTransfomer', "
                                    "'train_cfg.max_epochs=1',"))
    work = tmp_path / 'bench'
    out = bench(tool, config, work, env={'TLALIGN_DATA_ROOT': str(digits_root)})
    assert out.returncode != 0
    log = work / 'tlalign' / 'seed0' / 'pretrain' / 'train.log'
    assert out.stderr.strip().splitlines()[-1] == (
        f"error: {sys.executable} "
        f"tools/train.py {ROOT}/configs/pretrain/deit/deit-digits_tlalign_digits.py failed: "
        "unknown type 'VisionTransfomer': not in the mmpretrain::model registry (did you mean "
        "VisionTransformer or RevVisionTransformer or VisionTransformerClsHead?) "
        f"(log: {log})")


def test_a_checkpoint_made_elsewhere_is_an_arm(digits_root, tmp_path, tool, trained_digits):
    """``pretrained=`` in an arm: nothing is pre-trained; the classification cell tests that
    file with the arm's config, the transfer cell starts from it, and replacing the file
    changes the identity of the cells that used it."""
    import torch
    given = tmp_path / 'elsewhere.pth'  # e.g. the output of a model converter
    checkpoint = torch.load(trained_digits('deit_tlalign').checkpoint, weights_only=False)
    torch.save(dict(meta={}, state_dict=checkpoint['state_dict']), given)
    config = tmp_path / 'given.py'
    config.write_text(SHORT.replace(
        "tlalign=dict(pretrain='configs/pretrain/deit/deit-digits_tlalign_digits.py', label='TL')",
        f"mine=dict(pretrained='{given}', "
        "pretrain='configs/pretrain/deit/deit-digits_tlalign_digits.py', label='Mine')"))
    work = tmp_path / 'bench'
    out = bench(tool, config, work)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    assert 'pre-training' not in out.stdout
    cell = work / 'mine' / 'seed0' / 'pretrain'
    assert not (cell / 'train.log').exists()  # tested, not trained
    assert f'Load checkpoint from {given}' in (cell / 'test.log').read_text()
    results = json.load(open(work / 'results.json'))
    value = results['arms']['mine']['classification']['values'][0]
    assert value == pytest.approx(logged_metric(cell / 'test.log', 'accuracy/top1'), abs=5e-5)
    assert f'load backbone. in model from: {given}' in (
        work / 'mine' / 'seed0' / 'fine_grained' / 'train.log').read_text()

    state = checkpoint['state_dict']
    state['backbone.cls_token'] = state['backbone.cls_token'] + 1
    torch.save(dict(meta={}, state_dict=state), given)
    out = bench(tool, config, work)
    assert out.returncode != 0
    assert 'was run with another arm pretrained checkpoint' in out.stderr

    os.remove(given)
    out = bench(tool, config, tmp_path / 'other')
    assert out.stderr.strip().splitlines() == [
        f"error: arm 'mine': pretrained checkpoint not found: {given}"]
