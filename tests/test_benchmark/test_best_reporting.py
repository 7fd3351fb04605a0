"""Best and last epoch: the paper-scale checkpoint policy through mmengine's CheckpointHook, and
the benchmark's last-vs-best report built from it.

A digits pre-training runs 4 short epochs in-process with the checkpoint settings of the
paper-scale ImageNet configs (every epoch, newest 3 kept, the best by validation top-1 kept too);
the files it leaves must be the ones the benchmark looks for, and the report must put the
logged last and best accuracies side by side.
"""
import glob
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from tlalign_mm.benchmark.best import best_cell, best_checkpoint, evaluate_best, write_best_report
from tlalign_mm.benchmark.cells import Cell, CellFailed
from tlalign_mm.benchmark.spec import Arm, BenchmarkSpec, Task

from ..conftest import config_path

NO_WORKERS = dict(num_workers=0, persistent_workers=False)


@pytest.fixture(scope='module')
def pretrained_dir(digits_root, tmp_path_factory):
    """A finished 4-epoch digits pre-training with the paper configs' checkpoint policy."""
    paper = Config.fromfile(config_path('pretrain', 'deit', 'deit-small_cutmix_8xb128_in1k.py'))
    cfg = Config.fromfile(config_path('pretrain', 'deit', 'deit-digits_cutmix_digits.py'))
    work_dir = tmp_path_factory.mktemp('pretrain')
    cfg.work_dir = str(work_dir)
    cfg.default_hooks.checkpoint = paper.default_hooks.checkpoint
    cfg.train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)
    cfg.train_dataloader.update(NO_WORKERS, batch_size=16)
    cfg.train_dataloader.dataset['indices'] = 32
    cfg.val_dataloader.update(NO_WORKERS)
    cfg.val_dataloader.dataset['indices'] = 32
    cfg.param_scheduler = []  # a constant lr: the validation accuracy moves from epoch to epoch
    Runner.from_cfg(cfg).train()
    return work_dir


def logged_accuracies(work_dir):
    (path, ) = glob.glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        rows = [json.loads(line) for line in f]
    return [r['accuracy/top1'] for r in rows if 'accuracy/top1' in r]


def test_paper_checkpoint_policy_keeps_three_and_the_best(pretrained_dir):
    accuracies = logged_accuracies(pretrained_dir)
    assert len(accuracies) == 4
    best_epoch = accuracies.index(max(accuracies)) + 1  # the first epoch reaching the maximum
    names = sorted(osp.basename(p) for p in glob.glob(str(pretrained_dir / '*.pth')))
    assert names == sorted(['epoch_2.pth', 'epoch_3.pth', 'epoch_4.pth',
                            f'best_accuracy_top1_epoch_{best_epoch}.pth'])
    assert best_checkpoint(str(pretrained_dir)) == str(
        pretrained_dir / f'best_accuracy_top1_epoch_{best_epoch}.pth')
    # the benchmark's last checkpoint is still the final epoch, not the best one
    assert (pretrained_dir / 'last_checkpoint').read_text().strip() == str(
        pretrained_dir / 'epoch_4.pth')


def test_no_best_checkpoint_and_ambiguous_ones(tmp_path):
    assert best_checkpoint(str(tmp_path)) is None
    cell = Cell('arm', 'classification', 0, str(tmp_path))
    # no best checkpoint: nothing to test (the runner is never called)
    assert evaluate_best(None, 'unused.py', str(tmp_path), cell, []) is None
    for epoch in (3, 7):
        (tmp_path / f'best_accuracy_top1_epoch_{epoch}.pth').write_bytes(b'')
    with pytest.raises(CellFailed, match='holds 2 best checkpoints'):
        best_checkpoint(str(tmp_path))


def write_metrics(cell, value):
    os.makedirs(cell.work_dir, exist_ok=True)
    with open(cell.metrics_file, 'w') as f:
        json.dump({'accuracy/top1': value}, f)


def test_report_puts_last_and_best_side_by_side(pretrained_dir, tmp_path):
    accuracies = logged_accuracies(pretrained_dir)
    spec = BenchmarkSpec(
        arms=[Arm('tlalign', 'p.py', 'TL-Align (published 80.6)'), Arm('cutmix', 'p.py', 'CM')],
        tasks=[Task('classification', 'pretrain', 'accuracy/top1', label='ImageNet-1k top-1'),
               Task('cub', 'transfer', 'accuracy/top1', 'c.py', 'CUB')],
        seeds=[0, 1], data_root=str(tmp_path))
    cells = [Cell(arm, task, seed, str(tmp_path / arm / f'seed{seed}' / task))
             for seed in (0, 1) for arm in ('tlalign', 'cutmix') for task in ('classification',
                                                                               'cub')]
    for cell in cells:
        write_metrics(cell, 50.0)
        if cell.task == 'classification' and cell.arm == 'tlalign':
            # the values a finished run logged: last epoch, best epoch
            write_metrics(cell, accuracies[-1])
            write_metrics(best_cell(cell), max(accuracies) + cell.seed)
    markdown = write_best_report(spec, cells, str(tmp_path))
    best = [max(accuracies), max(accuracies) + 1]
    mean_best = sum(best) / 2
    assert markdown.splitlines()[0] == '| arm | task (metric) | last epoch | best epoch |'
    (row, ) = markdown.splitlines()[2:]  # the arm without best checkpoints has no row
    assert row.startswith('| TL-Align (published 80.6) | ImageNet-1k top-1 (accuracy/top1) | '
                          f'{accuracies[-1]:.2f} ± 0.00 | {mean_best:.2f} ± 0.707 |')
    results = json.load(open(tmp_path / 'results_best.json'))
    assert list(results) == ['tlalign/classification']
    assert results['tlalign/classification']['best']['values'] == best
    assert results['tlalign/classification']['last']['values'] == [accuracies[-1]] * 2
