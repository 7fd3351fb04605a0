"""The robustness configs through tools/test.py on digits folders in the published layouts, the
digits-C maker and the benchmark's robustness task type."""
import json
import os.path as osp
import runpy
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from tlalign_mm.benchmark import Cell, load_spec
from tlalign_mm.benchmark.report import collect, collect_submetrics, write_reports
from tlalign_mm.datasets.makers.corrupted_style import make_corrupted_style, read_val_split
from tlalign_mm.datasets.makers.corruptions import CORRUPTIONS, corrupt

from ..conftest import ROOT, config_path

DIGITS_C = config_path('robustness', 'deit-digits_digits-c.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    cfg = Config.fromfile(config_path('pretrain', 'deit', 'deit-digits_cutmix_digits.py'))
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    model.init_weights()
    path = str(tmp_path_factory.mktemp('ckpt') / 'init.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return path


def run_test_tool(config_text, tmp_path, checkpoint):
    config = tmp_path / 'robust.py'
    config.write_text(config_text)
    tool = runpy.run_path(osp.join(ROOT, 'tools', 'test.py'), run_name='test_tool')
    out = tmp_path / 'metrics.json'
    tool['main']([str(config), checkpoint, '--work-dir', str(tmp_path / 'work'),
                  '--out-metrics', str(out)])
    return json.loads(out.read_text())


def test_digits_c_through_tools_test(digits_root, tmp_path, checkpoint):
    target = tmp_path / 'digits_c'
    make_corrupted_style(str(target), source=str(digits_root / 'digits_imagenet'),
                         corruptions=['fog', 'pixelate'], severities=(1, 3))
    metrics = run_test_tool(
        f"_base_ = [{DIGITS_C!r}]\n"
        f"test_dataloader = dict(dataset=dict(data_root={str(target)!r}))\n"
        "test_evaluator = [dict(type='CorruptionAccuracy', prefix='digits-c'),\n"
        "                  dict(type='Accuracy', topk=(1, ))]\n", tmp_path, checkpoint)
    assert set(metrics) == {'digits-c/fog', 'digits-c/pixelate', 'digits-c/severity_1',
                            'digits-c/severity_3', 'digits-c/mean_acc', 'accuracy/top1'}
    # Four groups of 200 images each: the mean over groups is the plain accuracy.
    assert metrics['digits-c/mean_acc'] == pytest.approx(metrics['accuracy/top1'], abs=1e-4)


def test_subset_folders_through_tools_test(digits_root, tmp_path, checkpoint):
    source = digits_root / 'digits_imagenet'
    subset = tmp_path / 'digits_a'
    for name in ('digit_2', 'digit_5', 'digit_7'):  # class folders named like wnids
        shutil.copytree(source / 'val' / name, subset / name)
    text = (f"_base_ = [{DIGITS_C!r}]\n"
            "test_dataloader = dict(dataset=dict(_delete_=True, type='ImageNetSubsetDataset',\n"
            f"    data_root={str(subset)!r}, parent_classes={str(source / 'train')!r},\n"
            "    pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')]))\n"
            "test_evaluator = [dict(type='SubsetAccuracy', topk=(1, 2), prefix='digits-a'),\n"
            "                  dict(type='SubsetAccuracy', topk=(1, ), prefix='all',\n"
            "                       subset_indices=list(range(10))),\n"
            "                  dict(type='Accuracy', topk=(1, ))]\n")
    metrics = run_test_tool(text, tmp_path, checkpoint)
    assert set(metrics) == {'digits-a/top1', 'digits-a/top2', 'all/top1', 'accuracy/top1'}
    assert metrics['all/top1'] == pytest.approx(metrics['accuracy/top1'], abs=1e-4)
    assert metrics['digits-a/top1'] >= metrics['accuracy/top1']
    assert metrics['digits-a/top2'] > metrics['digits-a/top1']


def test_cifar_c_arrays_through_tools_test(tmp_path, checkpoint):
    rng = np.random.default_rng(0)
    labels = np.tile(np.arange(10), 5)  # 10 images x 5 severities, one per class
    np.save(tmp_path / 'labels.npy', labels)
    np.save(tmp_path / 'fog.npy', rng.integers(0, 256, (50, 32, 32, 3), dtype=np.uint8))
    metrics = run_test_tool(
        f"_base_ = [{DIGITS_C!r}]\n"
        "test_dataloader = dict(dataset=dict(_delete_=True, type='CIFAR100CDataset',\n"
        f"    data_root={str(tmp_path)!r}, metainfo=dict(classes=[str(i) for i in range(10)]),\n"
        "    pipeline=[dict(type='PackInputs', meta_keys=('corruption', 'severity'))]))\n"
        "test_evaluator = [dict(type='CorruptionAccuracy', prefix='c100c'),\n"
        "                  dict(type='Accuracy', topk=(1, ))]\n", tmp_path, checkpoint)
    assert set(metrics) == {'c100c/fog', 'c100c/mean_acc', 'accuracy/top1',
                            *(f'c100c/severity_{s}' for s in range(1, 6))}
    assert metrics['c100c/mean_acc'] == pytest.approx(metrics['accuracy/top1'], abs=1e-4)


def test_every_corruption_grows_with_severity(digits_root):
    ((_, _, image), *_) = read_val_split(str(digits_root / 'digits_imagenet'))
    for name in CORRUPTIONS:
        gaps = [np.abs(corrupt(image, name, s, np.random.default_rng(0)).astype(float)
                       - image).mean() for s in (1, 5)]
        assert 0 < gaps[0] < gaps[1], (name, gaps)
    again = corrupt(image, 'snow', 3, np.random.default_rng(5))
    assert np.array_equal(again, corrupt(image, 'snow', 3, np.random.default_rng(5)))


def test_benchmark_robustness_task_reports_every_submetric(tmp_path):
    bench = tmp_path / 'bench.py'
    bench.write_text(
        "arms = dict(a=dict(pretrain='configs/pretrain/deit/deit-digits_cutmix_digits.py'),\n"
        "            b=dict(pretrain='configs/pretrain/pna/"
        "deit-digits_pna-rotate-uniform_digits.py'))\n"
        "tasks = dict(robust=dict(type='robustness', config='configs/robustness/"
        "deit-digits_digits-c.py', metric='digits-c/mean_acc', label='Digits-C'))\n"
        "seeds = [0, 1]\n")
    spec = load_spec(str(bench), ROOT)
    assert spec.tasks[0].type == 'robustness' and spec.tasks[0].config.endswith('digits-c.py')
    cells = []
    for arm, base in (('a', 40.0), ('b', 50.0)):
        for seed in (0, 1):
            cell = Cell(arm, 'robust', seed, str(tmp_path / arm / str(seed)))
            (tmp_path / arm / str(seed)).mkdir(parents=True)
            values = {'digits-c/mean_acc': base + seed, 'digits-c/fog': base - 10 + seed,
                      'digits-c/severity_1': base + 5}
            (tmp_path / arm / str(seed) / 'metrics.json').write_text(json.dumps(values))
            cells.append(cell)
    markdown, paths = write_reports(spec, collect(spec, cells), str(tmp_path),
                                    submetrics=collect_submetrics(spec, cells))
    assert '| Digits-C (digits-c/mean_acc) |' in markdown.splitlines()[0]
    assert '| digits-c/fog | 30.50 ± 0.707 | 40.50 ± 0.707 |' in markdown
    assert '| digits-c/severity_1 | 45.00 ± 0.00 | 55.00 ± 0.00 |' in markdown
    saved = json.loads(open(paths['json']).read())
    assert saved['submetrics']['robust']['b']['digits-c/fog'] == [40.0, 41.0]
    shipped = load_spec(osp.join(ROOT, 'configs', 'benchmarks', 'pna_digits.py'), ROOT)
    assert [t.type for t in shipped.tasks] == ['pretrain', 'robustness']
    assert shipped.baseline == 'baseline'  # the PNA arms are compared with CutMix seed by seed
