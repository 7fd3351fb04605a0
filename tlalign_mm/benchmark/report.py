"""results.json, CSV, Markdown table and a PNG bar chart from the finished cells."""
import csv
import json
import os.path as osp
import statistics

from ..utils.atomic_io import atomic_open
from .statistics import compare_to_baseline, format_difference, significance_sentence


def collect(spec, cells):
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


def summarise(values):
    """(mean, sample std) of one cell's seeds; (None, None) for a cell that does not exist
    (a from-scratch arm has no pre-trained classifier to evaluate)."""
    if not values:
        return None, None
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def _number(value):
    # Percent metrics (accuracy, mIoU) read well with two decimals; COCO's AP lives in [0, 1],
    # where two decimals would print a learning model as 0.00.
    return f'{value:.2f}' if value == 0 or abs(value) >= 1 else f'{value:.3f}'


def fmt(values):
    if not values:
        return '-'
    mean, std = summarise(values)
    return f'{_number(mean)} ± {_number(std)}' if len(values) > 1 else _number(mean)


def write_reports(spec, table, out_dir, submetrics=None):
    tasks = [t for t in spec.tasks]
    results = dict(
        metrics={t.name: t.metric for t in tasks}, seeds=spec.seeds,
        arms={arm.name: {t.name: dict(values=table[arm.name][t.name],
                                      mean=summarise(table[arm.name][t.name])[0],
                                      std=summarise(table[arm.name][t.name])[1])
                         for t in tasks} for arm in spec.arms})
    if submetrics:
        results['submetrics'] = submetrics
    comparisons = baseline_comparisons(spec, table)
    if comparisons is not None:
        results['baseline'] = spec.baseline
        results['comparisons'] = {arm: {task: diff.as_dict() for task, diff in by_task.items()}
                                  for arm, by_task in comparisons.items()}
        results['significance'] = _sentence(spec, comparisons)
    paths = {k: osp.join(out_dir, f'results.{k}') for k in ('json', 'csv', 'md', 'png')}
    with atomic_open(paths['json']) as f:
        json.dump(results, f, indent=2)
    with atomic_open(paths['csv'], newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['arm', 'task', 'metric', 'statistic', 'seed', 'value'])
        for arm in spec.arms:
            for t in tasks:
                for seed, value in zip(spec.seeds, table[arm.name][t.name]):
                    writer.writerow([arm.name, t.name, t.metric, 'value', seed, value])
        writer.writerows(summary_rows(spec, table, comparisons))
    header = '| arm | ' + ' | '.join(f'{t.label} ({t.metric})' for t in tasks) + ' |'
    lines = [header, '|' + '---|' * (len(tasks) + 1)]
    for arm in spec.arms:
        cells = ' | '.join(fmt(table[arm.name][t.name]) for t in tasks)
        lines.append(f'| {arm.label} | {cells} |')
    markdown = ('\n'.join(lines) + '\n' + comparison_table(spec, comparisons)
                + submetric_tables(spec, submetrics or {}))
    with atomic_open(paths['md']) as f:
        f.write(markdown)
    plot(spec, table, paths['png'], comparisons)
    return markdown, paths


def baseline_comparisons(spec, table):
    """{arm: {task: PairedDifference}} against ``spec.baseline``; None without a baseline (or
    when ``--arms`` left it out)."""
    baseline = getattr(spec, 'baseline', None)
    if baseline is None or baseline not in table:
        return None
    return compare_to_baseline(table, baseline, [t.name for t in spec.tasks])


def _sentence(spec, comparisons):
    labels = {arm.name: arm.label for arm in spec.arms}
    return significance_sentence(comparisons, labels[spec.baseline], labels,
                                 {t.name: t.label for t in spec.tasks})


def comparison_table(spec, comparisons):
    """Markdown: each arm minus the baseline, mean [95% interval] over paired seeds, and the
    sentence that says in words what is significant."""
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
    return '\n'.join(lines) + '\n\n' + _sentence(spec, comparisons) + '\n'


def _digits(value):
    return 2 if value == 0 or abs(value) >= 1 else 3


def summary_rows(spec, table, comparisons):
    """CSV rows beside the per-seed values: mean and std per cell and, against the baseline,
    the paired difference with its interval bounds and a 0/1 significance flag."""
    rows = []
    for arm in spec.arms:
        for t in spec.tasks:
            mean, std = summarise(table[arm.name][t.name])
            if mean is not None:
                rows += [[arm.name, t.name, t.metric, 'mean', '', mean],
                         [arm.name, t.name, t.metric, 'std', '', std]]
            diff = (comparisons or {}).get(arm.name, {}).get(t.name)
            if diff is not None:
                rows += [[arm.name, t.name, t.metric, f'diff_vs_{spec.baseline}', '', diff.mean],
                         [arm.name, t.name, t.metric, 'ci95_low', '', diff.low],
                         [arm.name, t.name, t.metric, 'ci95_high', '', diff.high],
                         [arm.name, t.name, t.metric, 'significant', '', int(diff.significant)]]
    return rows


def plot(spec, table, path, comparisons=None):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    tasks = spec.tasks
    fig, axes = plt.subplots(1, len(tasks), figsize=(3.2 * len(tasks), 3.2), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        arms = [arm for arm in spec.arms if table[arm.name][task.name]]
        means, stds = zip(*(summarise(table[arm.name][task.name]) for arm in arms))
        bars = ax.bar([arm.label for arm in arms], means, yerr=stds, capsize=4,
                      color=[f'C{spec.arms.index(arm)}' for arm in arms])
        ax.bar_label(bars, labels=[_bar_label(m, (comparisons or {}).get(arm.name, {})
                                              .get(task.name)) for m, arm in zip(means, arms)],
                     fontsize=8)
        ax.set_title(task.label, fontsize=10)
        ax.set_ylabel(task.metric, fontsize=8)
        ax.tick_params(axis='x', labelsize=8, rotation=15)
    if comparisons is not None:
        fig.suptitle(f'mean ± std over {len(spec.seeds)} seeds; * 95% paired interval vs '
                     f'{_label(spec, spec.baseline)} excludes zero', fontsize=8)
    fig.tight_layout()
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, dpi=120, format='png')
    plt.close(fig)


def _label(spec, name):
    return next(arm.label for arm in spec.arms if arm.name == name)


def _bar_label(mean, diff):
    return f'{mean:.3g}' + (' *' if diff is not None and diff.significant else '')
