"""results.png: what each arm scored, and what the seeds can and cannot tell apart.

One column per task. The top row shows every arm's mean with its seed-to-seed std as horizontal
bars (arm names on the y axis, where long names do not collide, values printed in the margin,
clear of the error bars). With a baseline, the bottom row shows each arm's paired difference to it
with the 95% interval: a filled marker where the interval excludes zero, a hollow one where it
does not, so a glance separates resolved differences from noise.
"""
from .summary import number, summarise


def _arm_rows(ax, labels, show_labels):
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels if show_labels else [''] * len(labels), fontsize=8)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first arm on top
    ax.tick_params(axis='x', labelsize=7)


def _means_panel(ax, spec, table, task, show_labels):
    for row, arm in enumerate(spec.arms):
        values = table[arm.name][task.name]
        if not values:
            ax.annotate('-', (1.02, row), xycoords=('axes fraction', 'data'), fontsize=7,
                        va='center')
            continue
        mean, std = summarise(values)
        ax.barh(row, mean, xerr=std, capsize=3, color=f'C{row}', height=0.6)
        ax.annotate(number(mean), (1.02, row), xycoords=('axes fraction', 'data'), fontsize=7,
                    va='center')
    _arm_rows(ax, [arm.label for arm in spec.arms], show_labels)
    ax.set_title(f'{task.label}\n{task.metric}', fontsize=8)


def _differences_panel(ax, spec, comparisons, task, show_labels):
    ax.axvline(0.0, color='0.3', linewidth=0.8)
    for row, arm in enumerate(spec.arms):
        diff = comparisons.get(arm.name, {}).get(task.name)
        if arm.name == spec.baseline:
            ax.plot(0.0, row, marker='|', color='0.3', markersize=10)
            ax.annotate('baseline', (1.02, row), xycoords=('axes fraction', 'data'),
                        fontsize=7, va='center')
            continue
        if diff is None:
            continue
        low = diff.mean if diff.low is None else diff.low
        high = diff.mean if diff.high is None else diff.high
        colour = ('C2' if diff.mean > 0 else 'C3') if diff.significant else '0.45'
        ax.errorbar(diff.mean, row, xerr=[[diff.mean - low], [high - diff.mean]], fmt='o',
                    color=colour, markerfacecolor=colour if diff.significant else 'white',
                    capsize=3, markersize=5)
        ax.annotate(f'{diff.mean:+.{2 if abs(diff.mean) >= 1 else 3}f}'
                    + (' *' if diff.significant else ''), (1.02, row),
                    xycoords=('axes fraction', 'data'), fontsize=7, va='center')
    _arm_rows(ax, [arm.label for arm in spec.arms], show_labels)
    ax.set_xlabel('paired difference to baseline, 95% interval', fontsize=7)


def plot(spec, table, path, comparisons=None):
    """Draw ``table`` (and the baseline ``comparisons``) into the PNG ``path``, atomically."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from ..utils.atomic_io import atomic_open
    rows = 1 if comparisons is None else 2
    columns = len(spec.tasks)
    height = 0.35 * len(spec.arms) + 1.3
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 + 2.9 * columns, height * rows),
                             squeeze=False)
    for column, task in enumerate(spec.tasks):
        _means_panel(axes[0][column], spec, table, task, column == 0)
        if comparisons is not None:
            _differences_panel(axes[1][column], spec, comparisons, task, column == 0)
    seeds = len(spec.seeds)
    title = f'mean ± std over {seeds} seed{"s" if seeds > 1 else ""}'
    if comparisons is not None:
        title += (f'; bottom: each arm minus {spec.arms[_index(spec, spec.baseline)].label}, '
                  'filled where the 95% interval excludes zero (*)')
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, dpi=120, format='png')
    plt.close(fig)


def _index(spec, name):
    return next(i for i, arm in enumerate(spec.arms) if arm.name == name)
