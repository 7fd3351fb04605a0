"""A transfer task listing methods: expanded into one transfer task per method, each reported with
the trainable-parameter count its run recorded."""
import json
import os

import pytest

from tlalign_mm.benchmark import BenchmarkConfigError, load_spec
from tlalign_mm.benchmark.plan import build_plan
from tlalign_mm.benchmark.report import report_plan

from ..conftest import ROOT, config_path

BENCH = config_path('benchmarks', 'digits_transfer_methods.py')


def test_methods_expand_into_transfer_tasks():
    spec = load_spec(BENCH, ROOT)
    names = [t.name for t in spec.tasks]
    assert names == ['fine_grained.finetune', 'fine_grained.linear', 'fine_grained.lora',
                     'fine_grained.kadaptation']
    assert {t.type for t in spec.tasks} == {'transfer'}
    assert [t.method for t in spec.tasks] == ['finetune', 'linear', 'lora', 'kadaptation']
    assert spec.tasks[3].config.endswith('configs/peft/deit-digits_kadaptation_digits-cub.py')
    assert spec.tasks[3].label == 'CUB-fmt fgvc · KAdaptation'
    assert spec.seeds == [0, 1, 2]
    # --tasks selects the whole group by its own name
    assert len(load_spec(BENCH, ROOT, tasks=['fine_grained']).tasks) == 4


def test_missing_method_config_is_one_clear_error(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text(open(BENCH).read().replace('deit-digits_lora_digits-cub.py', 'nope.py'))
    with pytest.raises(BenchmarkConfigError, match="method 'lora'.*not found: configs/peft/nope"):
        load_spec(str(bad), ROOT)


def test_report_shows_accuracy_and_trainable_params_per_method(tmp_path):
    spec = load_spec(BENCH, ROOT)
    plan = build_plan(spec, str(tmp_path))
    cells = plan.cells
    counts = dict(finetune=148170, linear=650, lora=4746, kadaptation=2186)
    for i, cell in enumerate(cells):
        os.makedirs(cell.work_dir)
        method = cell.task.rsplit('.', 1)[1]
        json.dump({'accuracy/top1': 50.0 + i}, open(cell.metrics_file, 'w'))
        json.dump(dict(trainable=counts[method], total=148170),
                  open(os.path.join(cell.work_dir, 'trainable_params.json'), 'w'))
    markdown, paths = report_plan(plan)
    # cells run seed-major: method k of seed s has value 50 + 4 s + k
    assert '| KAdaptation | 57.00 ± 4.00 | 2,186 |' in markdown
    assert '| Linear probe | 55.00 ± 4.00 | 650 |' in markdown
    assert '| Full fine-tune | 54.00 ± 4.00 | 148,170 |' in markdown
    assert markdown == open(tmp_path / 'results.md').read()
    assert paths['methods'] == str(tmp_path / 'results_methods.json')
    saved = json.load(open(tmp_path / 'results_methods.json'))
    assert saved['fine_grained.lora']['trainable_params'] == 4746
    assert saved['fine_grained.lora']['values']['cutmix'] == [52.0, 56.0, 60.0]
