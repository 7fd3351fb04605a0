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
column in the main table); the methods table adds the count the run's ``TrainableParamsHook``
wrote into its work dir.
"""
import json
import os.path as osp

from ..engine.hooks.trainable_params_hook import TRAINABLE_PARAMS_FILE
from .report import fmt


def method_tasks(name, task, make_task, existing):
    """The per-method tasks of transfer task ``name``.

    Args:
        name (str): the task's name in the benchmark config.
        task (dict): its config (``metric``, ``label``, ``methods``).
        make_task (callable): ``(name, config, label, method) -> Task``.
        existing (callable): ``(path, what) -> absolute path``, raising on a missing file.
    """
    from .spec import BenchmarkConfigError
    methods = task['methods']
    if not isinstance(methods, dict) or not methods:
        raise BenchmarkConfigError(f'task {name!r}: `methods` must be a non-empty dict of '
                                   'name -> dict(config=..., label=...)')
    tasks = []
    for method, spec in methods.items():
        if 'config' not in spec:
            raise BenchmarkConfigError(f'task {name!r}, method {method!r} needs a `config`')
        config = existing(spec['config'], f'task {name!r}, method {method!r}')
        label = f'{task.get("label", name)} · {spec.get("label", method)}'
        tasks.append(make_task(f'{name}.{method}', config, label, method))
    return tasks


def trainable_params(cells):
    """{task name: trainable parameter count} from the cells' work dirs (first cell found)."""
    counts = {}
    for cell in cells:
        path = osp.join(cell.work_dir, TRAINABLE_PARAMS_FILE)
        if cell.task not in counts and osp.isfile(path):
            with open(path) as f:
                counts[cell.task] = json.load(f)['trainable']
    return counts


def methods_table(spec, table, counts):
    """Markdown: per task with methods, one row per method (accuracy per arm, trainable)."""
    lines = []
    groups = {}
    for task in spec.tasks:
        if getattr(task, 'method', None):
            groups.setdefault(task.name.rsplit('.', 1)[0], []).append(task)
    for group, tasks in groups.items():
        lines += ['', f'### {group}: transfer methods ({tasks[0].metric})', '',
                  '| method | ' + ' | '.join(arm.label for arm in spec.arms) +
                  ' | trainable params |', '|' + '---|' * (len(spec.arms) + 2)]
        for task in tasks:
            accs = ' | '.join(fmt(table[arm.name][task.name]) if table[arm.name][task.name]
                              else '-' for arm in spec.arms)
            count = counts.get(task.name)
            lines.append(f'| {task.label.rsplit(" · ", 1)[-1]} | {accs} | '
                         f'{"-" if count is None else f"{count:,}"} |')
    return '\n'.join(lines) + '\n' if lines else ''


def write_methods_report(spec, table, cells, out_dir):
    """Append the methods table to results.md and write results_methods.json; returns the
    Markdown ('' when no task lists methods)."""
    counts = trainable_params(cells)
    markdown = methods_table(spec, table, counts)
    if not markdown:
        return ''
    with open(osp.join(out_dir, 'results.md'), 'a') as f:
        f.write(markdown)
    results = {task.name: dict(method=task.method, label=task.label,
                               trainable_params=counts.get(task.name),
                               values={arm.name: table[arm.name][task.name]
                                       for arm in spec.arms})
               for task in spec.tasks if getattr(task, 'method', None)}
    with open(osp.join(out_dir, 'results_methods.json'), 'w') as f:
        json.dump(results, f, indent=2)
    return markdown
