"""The benchmark's results files, each written here only and atomically.

``results.json``, ``results.csv``, ``results.md`` and ``results.png`` (plus
``results_methods.json`` when a task lists transfer methods) come from the finished cells in one
pass. A run of part of the benchmark (``--arms`` / ``--tasks``) writes the same files into
``subsets/<arms>__<tasks>/`` and leaves the full report alone.
"""
import csv
import json
import os.path as osp
from typing import Dict, List, Optional, Tuple

from ..utils.atomic_io import atomic_open, atomic_write_json
from .methods import methods_results, methods_table, trainable_params
from .plot import plot
from .statistics import (compare_to_baseline, detectable_differences, detectable_sentence,
                         format_difference, significance_sentence)
from .summary import fmt, summarise

RESULT_FILES = ('json', 'csv', 'md', 'png')


def collect(spec, cells) -> Dict[str, Dict[str, List[float]]]:
    """{arm: {task: [metric value per seed]}} read from each cell's metrics.json."""
    table = {arm.name: {task.name: [] for task in spec.tasks} for arm in spec.arms}
    metric_of = {task.name: task.metric for task in spec.tasks}
    for cell in cells:
        metrics = cell.metrics()
        if metric_of[cell.task] not in metrics:
            raise KeyError(f'{cell.metrics_file} has no {metric_of[cell.task]!r}; it reports '
                           f'{sorted(metrics)}')
        table[cell.arm][cell.task].append(metrics[metric_of[cell.task]])
    return table


def collect_submetrics(spec, cells):
    """{task: {arm: {metric: [value per seed]}}} of every metric of each robustness task.

    A robustness test reports one number per corruption, severity or subset beside its headline
    metric; the report shows all of them, not only the one the main table ranks by.
    """
    robust = {task.name for task in spec.tasks if task.type == 'robustness'}
    out = {name: {arm.name: {} for arm in spec.arms} for name in robust}
    for cell in cells:
        if cell.task in robust:
            for key, value in cell.metrics().items():
                out[cell.task][cell.arm].setdefault(key, []).append(value)
    return out


def submetric_tables(spec, submetrics):
    """One Markdown table per robustness task: metrics as rows, arms as columns."""
    lines = []
    for task in spec.tasks:
        if task.name not in submetrics:
            continue
        by_arm = submetrics[task.name]
        keys = sorted({k for metrics in by_arm.values() for k in metrics})
        lines += ['', f'### {task.label}', '',
                  '| metric | ' + ' | '.join(arm.label for arm in spec.arms) + ' |',
                  '|' + '---|' * (len(spec.arms) + 1)]
        for key in keys:
            row = ' | '.join(fmt(by_arm[arm.name][key]) if by_arm[arm.name].get(key) else '-'
                             for arm in spec.arms)
            lines.append(f'| {key} | {row} |')
    return '\n'.join(lines) + '\n' if lines else ''


def report_dir(spec, work_dir: str) -> str:
    """Where the reports of ``spec`` go: the work dir, or a subset's own folder in it."""
    if not spec.subset:
        return work_dir
    arms = '+'.join(arm.name for arm in spec.arms)
    tasks = '+'.join(dict.fromkeys(task.options_key for task in spec.tasks))
    return osp.join(work_dir, 'subsets', f'{arms}__{tasks}')


def report_plan(plan) -> Tuple[str, Dict[str, str]]:
    """Collect every cell of ``plan`` and write the reports (:func:`write_reports`)."""
    spec, cells = plan.spec, plan.cells
    return write_reports(spec, collect(spec, cells), report_dir(spec, plan.work_dir),
                         submetrics=collect_submetrics(spec, cells),
                         counts=trainable_params(cells))


def baseline_comparisons(spec, table):
    """{arm: {task: PairedDifference}} against ``spec.baseline``; None without a baseline (or
    when ``--arms`` left it out)."""
    if spec.baseline is None or spec.baseline not in table:
        return None
    return compare_to_baseline(table, spec.baseline, [t.name for t in spec.tasks])


def scratch_gains(spec, table):
    """{arm: {transfer task: PairedDifference}}: every pre-trained arm minus the from-scratch
    arm, the question a transfer benchmark exists to answer. None without a scratch arm or
    with one seed."""
    scratch = spec.scratch_arm
    transfer = [t.name for t in spec.tasks if t.type == 'transfer']
    if scratch is None or not transfer or len(spec.seeds) < 2:
        return None
    return compare_to_baseline(table, scratch.name, transfer)


def write_reports(spec, table, out_dir: str, submetrics: Optional[dict] = None,
                  counts: Optional[Dict[str, int]] = None) -> Tuple[str, Dict[str, str]]:
    """Write every results file of ``table`` ({arm: {task: [value per seed]}}) into ``out_dir``.

    Returns the Markdown report and ``{kind: path}`` of the files written.
    """
    labels = {arm.name: arm.label for arm in spec.arms}
    task_labels = {t.name: t.label for t in spec.tasks}
    comparisons, gains = baseline_comparisons(spec, table), scratch_gains(spec, table)
    results = dict(
        metrics={t.name: t.metric for t in spec.tasks}, seeds=spec.seeds,
        arms={arm.name: {t.name: dict(values=table[arm.name][t.name],
                                      mean=summarise(table[arm.name][t.name])[0],
                                      std=summarise(table[arm.name][t.name])[1])
                         for t in spec.tasks} for arm in spec.arms},
        controls=[arm.name for arm in spec.arms if arm.control])
    if submetrics:
        results['submetrics'] = submetrics
    sentences = []
    if comparisons is not None:
        detectable = detectable_differences(comparisons)
        sentences = [significance_sentence(comparisons, labels[spec.baseline], labels,
                                           task_labels),
                     detectable_sentence(detectable, len(spec.seeds), task_labels),
                     control_sentence(spec, comparisons)]
        results.update(
            baseline=spec.baseline,
            comparisons={arm: {task: diff.as_dict() for task, diff in by_task.items()}
                         for arm, by_task in comparisons.items()},
            significance=sentences[0],
            detectable=dict(kind='widest 95% paired t interval half-width', **detectable),
            detectable_sentence=sentences[1])
    if gains is not None:
        results['gains_over_scratch'] = {arm: {task: diff.as_dict()
                                               for task, diff in by_task.items()}
                                         for arm, by_task in gains.items()}
        results['transfer_sentence'] = transfer_sentence(spec, gains)
    methods = methods_table(spec, table, counts or {})

    paths = {k: osp.join(out_dir, f'results.{k}') for k in RESULT_FILES}
    atomic_write_json(paths['json'], results, indent=2)
    with atomic_open(paths['csv'], newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['arm', 'task', 'metric', 'statistic', 'seed', 'value'])
        for arm in spec.arms:
            for t in spec.tasks:
                for seed, value in zip(spec.seeds, table[arm.name][t.name]):
                    writer.writerow([arm.name, t.name, t.metric, 'value', seed, value])
        writer.writerows(summary_rows(spec, table, comparisons, gains))
    markdown = (main_table(spec, table) + comparison_table(spec, comparisons, sentences)
                + gain_table(spec, gains) + submetric_tables(spec, submetrics or {}) + methods)
    with atomic_open(paths['md']) as f:
        f.write(markdown)
    plot(spec, table, paths['png'], comparisons)
    if methods:
        paths['methods'] = osp.join(out_dir, 'results_methods.json')
        atomic_write_json(paths['methods'], methods_results(spec, table, counts or {}),
                          indent=2)
    return markdown, paths


def main_table(spec, table) -> str:
    header = '| arm | ' + ' | '.join(f'{t.label} ({t.metric})' for t in spec.tasks) + ' |'
    lines = [header, '|' + '---|' * (len(spec.tasks) + 1)]
    for arm in spec.arms:
        cells = ' | '.join(fmt(table[arm.name][t.name]) for t in spec.tasks)
        lines.append(f'| {arm.label} | {cells} |')
    return '\n'.join(lines) + '\n'


def control_sentence(spec, comparisons) -> str:
    """Whether each control arm (worse by construction) was caught on the pre-training task."""
    words = []
    pretrain = [t for t in spec.tasks if t.type == 'pretrain']
    for arm in (a for a in spec.arms if a.control and a.name in comparisons):
        for task in pretrain:
            diff = comparisons[arm.name].get(task.name)
            if diff is None:
                continue
            caught = diff.significant and diff.mean < 0
            words.append(f'The control arm {arm.label} (worse by construction) is '
                         f'{"" if caught else "NOT "}flagged significantly worse on '
                         f'{task.label}.')
    return ' '.join(words)


def comparison_table(spec, comparisons, sentences) -> str:
    """Markdown: each arm minus the baseline, mean [95% interval] over paired seeds, the widest
    half-width per task, and the sentences that say in words what is and is not resolved."""
    if comparisons is None:
        return ''
    labels = {arm.name: arm.label for arm in spec.arms}
    lines = ['', f'Paired difference to {labels[spec.baseline]} over {len(spec.seeds)} '
             'seeds: mean [95% t interval], * where the interval excludes zero.', '',
             '| arm | ' + ' | '.join(t.label for t in spec.tasks) + ' |',
             '|' + '---|' * (len(spec.tasks) + 1)]
    for arm, by_task in comparisons.items():
        row = ' | '.join(format_difference(by_task[t.name], _digits(by_task[t.name].mean))
                         if t.name in by_task else '-' for t in spec.tasks)
        lines.append(f'| {labels[arm]} | {row} |')
    widest = detectable_differences(comparisons)
    lines.append('| smallest detectable (widest half-width) | ' + ' | '.join(
        f'±{widest[t.name]:.{_digits(widest[t.name])}f}' if t.name in widest else '-'
        for t in spec.tasks) + ' |')
    return '\n'.join(lines) + '\n\n' + ' '.join(s for s in sentences if s) + '\n'


def transfer_sentence(spec, gains) -> str:
    """Whether every pre-trained arm beats the from-scratch arm on every transfer task."""
    scratch = spec.scratch_arm.label
    labels = {arm.name: arm.label for arm in spec.arms}
    task_labels = {t.name: t.label for t in spec.tasks}
    short = [f'{labels[arm]} on {task_labels[task]}' for arm, by_task in gains.items()
             for task, diff in by_task.items() if not (diff.significant and diff.mean > 0)]
    if not short:
        return (f'Every pre-trained arm beats {scratch} on every transfer task (95% paired '
                'interval above zero).')
    return (f'Not shown to beat {scratch} (95% paired interval not above zero): '
            + '; '.join(short) + '.')


def gain_table(spec, gains) -> str:
    if gains is None:
        return ''
    labels = {arm.name: arm.label for arm in spec.arms}
    transfer = [t for t in spec.tasks if t.type == 'transfer']
    lines = ['', f'Transfer gain over {spec.scratch_arm.label}: paired difference over '
             f'{len(spec.seeds)} seeds, mean [95% t interval].', '',
             '| arm | ' + ' | '.join(t.label for t in transfer) + ' |',
             '|' + '---|' * (len(transfer) + 1)]
    for arm, by_task in gains.items():
        row = ' | '.join(format_difference(by_task[t.name], _digits(by_task[t.name].mean))
                         if t.name in by_task else '-' for t in transfer)
        lines.append(f'| {labels[arm]} | {row} |')
    return '\n'.join(lines) + '\n\n' + transfer_sentence(spec, gains) + '\n'


def _digits(value):
    return 2 if value == 0 or abs(value) >= 1 else 3


def _difference_rows(arm, task, diff, against, prefix=''):
    return [[arm, task.name, task.metric, f'{prefix}diff_vs_{against}', '', diff.mean],
            [arm, task.name, task.metric, f'{prefix}ci95_low', '', diff.low],
            [arm, task.name, task.metric, f'{prefix}ci95_high', '', diff.high],
            [arm, task.name, task.metric, f'{prefix}half_width', '', diff.half_width],
            [arm, task.name, task.metric, f'{prefix}significant', '', int(diff.significant)]]


def summary_rows(spec, table, comparisons, gains=None):
    """CSV rows beside the per-seed values: mean and std per cell; against the baseline the
    paired difference with its interval, half-width and a 0/1 significance flag; against the
    from-scratch arm the same with a ``gain_`` prefix; per task (arm ``*``) the smallest
    detectable difference."""
    rows = []
    for arm in spec.arms:
        for t in spec.tasks:
            mean, std = summarise(table[arm.name][t.name])
            if mean is not None:
                rows += [[arm.name, t.name, t.metric, 'mean', '', mean],
                         [arm.name, t.name, t.metric, 'std', '', std]]
            diff = (comparisons or {}).get(arm.name, {}).get(t.name)
            if diff is not None:
                rows += _difference_rows(arm.name, t, diff, spec.baseline)
            gain = (gains or {}).get(arm.name, {}).get(t.name)
            if gain is not None:
                rows += _difference_rows(arm.name, t, gain, spec.scratch_arm.name, 'gain_')
    if comparisons is not None:
        widest = detectable_differences(comparisons)
        rows += [['*', t.name, t.metric, 'detectable_half_width', '', widest[t.name]]
                 for t in spec.tasks if t.name in widest]
    return rows
