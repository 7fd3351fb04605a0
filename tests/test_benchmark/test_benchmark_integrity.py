"""A benchmark number comes from the run its label names: seeds, names and option keys checked
before anything runs, a reused cell matching what decides its result, a subset never replacing
the full report, and every results file written atomically."""
import builtins
import json
import os
import os.path as osp

import pytest

from tlalign_mm.benchmark.best import write_best_report
from tlalign_mm.benchmark.identity import IDENTITY_FILE
from tlalign_mm.benchmark.plan import build_plan, check_reuse, set_aside_changed
from tlalign_mm.benchmark.report import report_plan
from tlalign_mm.benchmark.spec import BenchmarkConfigError, load_spec

from ..conftest import ROOT
from .test_benchmark_runner import bench

TWO_ARMS = """
arms = {
    'cutmix': dict(pretrain='configs/pretrain/deit/deit-digits_cutmix_digits.py',
                   label='CutMix'),
    'tlalign': dict(pretrain='configs/pretrain/deit/deit-digits_tlalign_digits.py',
                    label='TL-Align'),
    'scratch': dict(pretrain=None, label='From scratch'),
}
baseline = 'cutmix'
tasks = dict(
    classification=dict(type='pretrain', metric='accuracy/top1', label='Digits cls'),
    fine_grained=dict(type='transfer', config='configs/fgvc/deit-digits_finetune_digits-cub.py',
                      metric='accuracy/top1', label='CUB-fmt fgvc'),
)
seeds = [0, 1]
data = dict(root='data')
cfg_options = dict(
    all=['train_dataloader.num_workers=0'],
    pretrain=['train_cfg.max_epochs=1'],
    fine_grained=['train_cfg.max_epochs=1', '+train_cfg.val_begin=5'],
)
"""


def write_config(tmp_path, text=TWO_ARMS, name='bench.py'):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize('seeds,message', [
    ('[0, 0]', 'seeds [0] are listed more than once'),
    ('[]', '`seeds` must be a non-empty list'),
    ('[3]', "a comparison with baseline 'cutmix' needs at least two seeds"),
    ("[0, '1']", '`seeds` must be integers'),
])
def test_seeds_are_distinct_and_enough_to_compare(tmp_path, seeds, message):
    path = write_config(tmp_path, TWO_ARMS.replace('seeds = [0, 1]', f'seeds = {seeds}'))
    with pytest.raises(BenchmarkConfigError, match=message.replace('[', r'\[')):
        load_spec(path, ROOT)


def test_a_repeated_arm_name_is_refused(tmp_path):
    text = TWO_ARMS.replace("    'scratch': dict(", "    'cutmix': dict(pretrain=None),\n"
                            "    'scratch': dict(")
    path = write_config(tmp_path, text)
    with pytest.raises(BenchmarkConfigError, match=r"line 7: the \{\.\.\.\} literal repeats the "
                       "key 'cutmix'"):
        load_spec(path, ROOT)


def test_an_option_key_the_config_lacks_is_refused_and_plus_adds_one(tmp_path):
    spec = load_spec(write_config(tmp_path), ROOT)
    plan = build_plan(spec, str(tmp_path / 'work'))
    fgvc = [c for c in plan.cells if c.task == 'fine_grained' and c.arm == 'tlalign'][0]
    # '+' kept for tools/train.py, which strips it; the seed is set last; nothing was written
    assert fgvc.options == ['train_dataloader.num_workers=0', 'train_cfg.max_epochs=1',
                            '+train_cfg.val_begin=5', 'randomness.seed=0']
    assert not (tmp_path / 'work').exists()
    typo = TWO_ARMS.replace("'train_cfg.max_epochs=1', '+", "'train_cfg.max_epoch=1', '+")
    spec = load_spec(write_config(tmp_path, typo, 'typo.py'), ROOT)
    with pytest.raises(BenchmarkConfigError, match=r"task 'fine_grained': cfg-options key "
                       r"'train_cfg.max_epoch' is not in .*deit-digits_finetune_digits-cub.py "
                       r"\(did you mean train_cfg.max_epochs or "):
        build_plan(spec, str(tmp_path / 'work'))
    typo = TWO_ARMS.replace("all=['train_dataloader.num_workers=0']", "all=['pretrian=x.pth']")
    spec = load_spec(write_config(tmp_path, typo, 'typo2.py'), ROOT)
    with pytest.raises(BenchmarkConfigError, match="arm 'cutmix': cfg-options key 'pretrian'"):
        build_plan(spec, str(tmp_path / 'work'))


def finish_every_cell(plan, value=50.0):
    """Every cell finished as the benchmark leaves it: identity recorded, metrics written."""
    for number, cell in enumerate(plan.cells):
        os.makedirs(cell.work_dir, exist_ok=True)
        with open(osp.join(cell.work_dir, IDENTITY_FILE), 'w') as f:
            json.dump(cell.identity, f)
        with open(cell.metrics_file, 'w') as f:
            json.dump({'accuracy/top1': value + number}, f)


def test_a_cell_run_otherwise_is_refused_naming_what_changed(tmp_path):
    work = str(tmp_path / 'work')
    plan = build_plan(load_spec(write_config(tmp_path), ROOT), work)
    finish_every_cell(plan)
    check_reuse(plan)  # unchanged: reused
    # the arm now points at another pre-training config: its pre-training, classification and
    # transfer cells are all another run now
    moved = TWO_ARMS.replace('deit-digits_tlalign_digits.py', 'deit-digits_transmix_digits.py')
    changed = build_plan(load_spec(write_config(tmp_path, moved, 'moved.py'), ROOT), work)
    with pytest.raises(BenchmarkConfigError, match=r'^tlalign / pre-training / seed 0: .*'
                       r'tlalign/seed0/pretrain was run with another arm config, so its result '
                       r'is not the run this benchmark names; re-run it with --rerun-changed'):
        check_reuse(changed)
    # a task option changed: only the transfer cells differ
    longer = TWO_ARMS.replace("fine_grained=['train_cfg.max_epochs=1'",
                              "fine_grained=['train_cfg.max_epochs=2'")
    changed = build_plan(load_spec(write_config(tmp_path, longer, 'longer.py'), ROOT), work)
    with pytest.raises(BenchmarkConfigError, match=r'^cutmix / fine_grained / seed 0: .* was '
                       'run with another task cfg_options,'):
        check_reuse(changed)
    # a folder with no record (an older benchmark, or a hand-made one) is not trusted
    os.remove(osp.join(plan.cells[0].work_dir, IDENTITY_FILE))
    with pytest.raises(BenchmarkConfigError, match='holds no record of how it was run'):
        check_reuse(plan)
    # --rerun-changed keeps the old folder and lets the cell run again
    changed = check_reuse(plan, rerun_changed=True)
    assert [folder for _, folder, _ in changed] == [plan.cells[0].work_dir]
    set_aside_changed(changed)
    assert not osp.exists(plan.cells[0].work_dir)
    kept = plan.cells[0].work_dir + '.replaced-1'
    assert json.load(open(osp.join(kept, 'metrics.json'))) == {'accuracy/top1': 50.0}


def test_a_changed_cell_stops_the_tool_before_anything_runs(digits_root, tmp_path, tool):
    work = tmp_path / 'work'
    plan = build_plan(load_spec(write_config(tmp_path), ROOT), str(work))
    finish_every_cell(plan)
    before = {p: osp.getmtime(p) for p in map(str, work.rglob('*'))}
    changed = TWO_ARMS.replace("pretrain=['train_cfg.max_epochs=1']",
                               "pretrain=['train_cfg.max_epochs=3']")
    out = bench(tool, write_config(tmp_path, changed, 'changed.py'), work)
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith('error: cutmix / pre-training / seed 0: ')
    assert 'was run with another arm cfg_options' in last
    assert {p: osp.getmtime(p) for p in map(str, work.rglob('*'))} == before


def test_a_subset_run_leaves_the_full_report_alone(digits_root, tmp_path, tool):
    work = tmp_path / 'work'
    config = write_config(tmp_path)
    plan = build_plan(load_spec(config, ROOT), str(work))
    finish_every_cell(plan)
    out = bench(tool, config, work)  # every cell reused: only the reports are written
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count('finished earlier with the same configs') == len(plan.cells)
    full = {name: (work / f'results.{name}').read_bytes() for name in ('json', 'csv', 'md',
                                                                       'png')}
    out = bench(tool, config, work, '--arms', 'tlalign', 'cutmix', '--tasks', 'classification')
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'a subset report' in out.stdout
    assert {name: (work / f'results.{name}').read_bytes() for name in full} == full
    subset = work / 'subsets' / 'cutmix+tlalign__classification'
    saved = json.load(open(subset / 'results.json'))
    assert sorted(saved['arms']) == ['cutmix', 'tlalign']
    assert list(saved['metrics']) == ['classification']
    assert sorted(json.load(open(work / 'results.json'))['arms']) == ['cutmix', 'scratch',
                                                                      'tlalign']


def test_every_results_file_goes_through_the_atomic_writer(tmp_path, monkeypatch):
    """No results file is opened for writing in place: a kill can leave only old or new."""
    work = str(tmp_path / 'work')
    methods = TWO_ARMS.replace(
        "fine_grained=dict(type='transfer', config='configs/fgvc/deit-digits_finetune_digits-"
        "cub.py',", "fine_grained=dict(type='transfer', methods=dict(finetune=dict(config="
        "'configs/peft/deit-digits_finetune_digits-cub.py'), linear=dict(config="
        "'configs/peft/deit-digits_linear_digits-cub.py')),")
    plan = build_plan(load_spec(write_config(tmp_path, methods), ROOT), work)
    finish_every_cell(plan)
    pretrain_cells = [c for c in plan.cells if c.task == 'classification']
    for cell in pretrain_cells:
        os.makedirs(osp.join(cell.work_dir, 'best'))
        with open(osp.join(cell.work_dir, 'best', 'metrics.json'), 'w') as f:
            json.dump({'accuracy/top1': 99.0}, f)
    replaced = []
    real_open, real_replace = builtins.open, os.replace

    def no_plain_writes(file, mode='r', *args, **kwargs):
        assert not any(c in mode for c in 'wax+'), f'{file} opened for writing with {mode!r}'
        return real_open(file, mode, *args, **kwargs)

    def replace(src, dst):
        replaced.append(osp.basename(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(builtins, 'open', no_plain_writes)
    monkeypatch.setattr(os, 'replace', replace)
    _, paths = report_plan(plan)
    write_best_report(plan.spec, pretrain_cells, work)
    monkeypatch.undo()
    written = sorted(name for name in os.listdir(work) if name.startswith('results'))
    assert written == ['results.csv', 'results.json', 'results.md', 'results.png',
                       'results_best.json', 'results_best.md', 'results_methods.json']
    assert sorted(replaced) == written
