"""Transfer methods: one transfer task run by several methods (full fine-tune, linear probe,
LoRA, KAdaptation, ...), each reported with its trainable-parameter count.

A benchmark config lists them under the task::

    tasks = dict(fine_grained=dict(
        type='transfer', metric='accuracy/top1', label='CUB-fmt fgvc',
        methods=dict(
            linear=dict(config='configs/peft/deit-digits_linear_digits-cub.py',
                        label='Linear probe'),
            kadaptation=dict(config='configs/peft/deit-digits_kadaptation_digits-cub.py'))))

Each method becomes an ordinary transfer task named ``<task>.<method>`` (its own cells and
column in the main table, :func:`.spec.load_spec`); the methods table adds the count the run's
``TrainableParamsHook`` wrote into its work dir. The report module writes both.
"""
import json
import os.path as osp
from typing import Dict

from .summary import fmt

# Written by tlalign_mm.engine.hooks.TrainableParamsHook into the run's work dir; named here
# so reading a report never imports the model stack.
TRAINABLE_PARAMS_FILE = 'trainable_params.json'


def trainable_params(cells) -> Dict[str, int]:
    """{task name: trainable parameter count} from the cells' work dirs (first cell found)."""
    counts = {}
    for cell in cells:
        path = osp.join(cell.work_dir, TRAINABLE_PARAMS_FILE)
        if cell.task not in counts and osp.isfile(path):
            with open(path) as f:
                counts[cell.task] = json.load(f)['trainable']
    return counts


def _groups(spec):
    groups = {}
    for task in spec.tasks:
        if task.method:
            groups.setdefault(task.options_key, []).append(task)
    return groups


def methods_table(spec, table, counts) -> str:
    """Markdown: per task with methods, one row per method (metric per arm, trainable)."""
    lines = []
    for group, tasks in _groups(spec).items():
        lines += ['', f'### {group}: transfer methods ({tasks[0].metric})', '',
                  '| method | ' + ' | '.join(arm.label for arm in spec.arms) +
                  ' | trainable params |', '|' + '---|' * (len(spec.arms) + 2)]
        for task in tasks:
            values = ' | '.join(fmt(table[arm.name][task.name]) if table[arm.name][task.name]
                                else '-' for arm in spec.arms)
            count = counts.get(task.name)
            lines.append(f'| {task.label.rsplit(" · ", 1)[-1]} | {values} | '
                         f'{"-" if count is None else f"{count:,}"} |')
    return '\n'.join(lines) + '\n' if lines else ''


def methods_results(spec, table, counts) -> Dict:
    """results_methods.json's content: per method task, its values per arm and its count."""
    return {task.name: dict(method=task.method, label=task.label,
                            trainable_params=counts.get(task.name),
                            values={arm.name: table[arm.name][task.name] for arm in spec.arms})
            for task in spec.tasks if task.method}
