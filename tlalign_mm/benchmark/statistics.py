"""Paired comparisons of benchmark arms over seeds: mean difference and a t confidence interval.

Every arm runs the same seeds, and seed ``k`` of two arms shares the data order, the
downstream initialisation of the new layers and the augmentation draws, so the per-seed
difference removes that shared noise; the interval is the one-sample Student-t interval of
those differences. With few seeds the t quantile is large (12.71 for 2 seeds at 95%), which is
the honest price of a short benchmark: the wording then says that nothing is significant rather
than ranking arms by noise.
"""
import math
import statistics
from dataclasses import asdict, dataclass
from typing import Dict, Optional
from ..errors import TLAlignError


class PairingError(TLAlignError, ValueError):
    """The two arms' value lists cannot be paired seed by seed."""


def t_quantile(level, df):
    """Two-sided Student-t quantile: ``P(|T_df| <= q) = level``.

    scipy ships with scikit-learn, which the digits data need, so it is always installed.

    Args:
        level (float): Confidence level in (0, 1), e.g. 0.95.
        df (int): Degrees of freedom (seeds - 1), at least 1.
    """
    if not 0 < level < 1 or df < 1:
        raise ValueError(f't quantile needs 0 < level < 1 and df >= 1, got {level}, {df}')
    from scipy.stats import t
    return float(t.ppf(0.5 + level / 2, df))


@dataclass(frozen=True)
class PairedDifference:
    """``arm - baseline`` over paired seeds.

    ``low``/``high`` are None with one seed: a single difference has no spread to estimate.
    """
    n: int
    mean: float
    std: float
    low: float = None
    high: float = None
    level: float = 0.95

    @property
    def significant(self) -> bool:
        """True when the interval excludes zero."""
        return self.low is not None and (self.low > 0 or self.high < 0)

    @property
    def half_width(self) -> Optional[float]:
        """Half the interval's width: the smallest mean difference these seeds could call
        significant at this spread (None with one seed)."""
        return None if self.low is None else (self.high - self.low) / 2

    def as_dict(self) -> dict:
        return dict(asdict(self), significant=self.significant, half_width=self.half_width)


def paired_difference(values, baseline, level=0.95):
    """The mean of ``values[k] - baseline[k]`` with its ``level`` t interval.

    Args:
        values (list[float]): The arm's metric, one value per seed.
        baseline (list[float]): The baseline arm's metric for the same seeds, same order.
        level (float): Confidence level of the interval. Defaults to 0.95.
    """
    if len(values) != len(baseline) or not values:
        raise PairingError(f'cannot pair {len(values)} values with {len(baseline)} baseline '
                           'values: both arms need a result for every seed')
    diffs = [a - b for a, b in zip(values, baseline)]
    n, mean = len(diffs), statistics.fmean(diffs)
    if n == 1:
        return PairedDifference(1, mean, 0.0, level=level)
    std = statistics.stdev(diffs)
    half = t_quantile(level, n - 1) * std / math.sqrt(n)
    return PairedDifference(n, mean, std, mean - half, mean + half, level)


def compare_to_baseline(table, baseline, tasks):
    """{arm: {task: PairedDifference}} of every arm but ``baseline`` that has values there.

    Args:
        table (dict): {arm: {task: [value per seed]}} as :func:`report.collect` builds it; an
            empty list (an arm without that task, e.g. a from-scratch arm's classification)
            is left out.
        baseline (str): Name of the reference arm.
        tasks (list[str]): Task names to compare.
    """
    out = {}
    for arm, by_task in table.items():
        if arm == baseline:
            continue
        out[arm] = {task: paired_difference(by_task[task], table[baseline][task])
                    for task in tasks if by_task.get(task) and table[baseline].get(task)}
    return out


def _signed(value, digits):
    return f'{value:+.{digits}f}'


def format_difference(diff, digits=2):
    """``+1.23 [-0.40, 2.86]`` with a trailing ``*`` when the interval excludes zero."""
    if diff.low is None:
        return f'{_signed(diff.mean, digits)} (1 seed, no interval)'
    mark = ' *' if diff.significant else ''
    return (f'{_signed(diff.mean, digits)} [{_signed(diff.low, digits)}, '
            f'{_signed(diff.high, digits)}]{mark}')


def significance_sentence(comparisons, baseline_label, labels, task_labels):
    """One sentence saying which differences are significant, or in words that none is.

    Args:
        comparisons (dict): {arm: {task: PairedDifference}}.
        baseline_label (str): Display name of the baseline arm.
        labels (dict): {arm: display name}.
        task_labels (dict): {task: display name}.
    """
    diffs = [d for by_task in comparisons.values() for d in by_task.values()]
    if not diffs:
        return f'No arm is compared with {baseline_label}.'
    if all(d.low is None for d in diffs):
        return (f'One seed only: no confidence interval, so no difference from '
                f'{baseline_label} can be called significant.')
    n, level = diffs[0].n, round(diffs[0].level * 100)
    found = [f'{labels[arm]} on {task_labels[task]} '
             f'({_signed(d.mean, 2 if abs(d.mean) >= 1 else 3)})'
             for arm, by_task in comparisons.items() for task, d in by_task.items()
             if d.significant]
    if not found:
        return (f'No difference from {baseline_label} is significant: every {level}% '
                f'interval over {n} seeds includes zero.')
    return (f'Significant differences from {baseline_label} ({level}% interval over {n} '
            f'seeds excludes zero): ' + '; '.join(found) + '. All others include zero.')


def detectable_differences(comparisons: Dict[str, Dict[str, PairedDifference]]
                           ) -> Dict[str, float]:
    """{task: the widest 95% half-width over the arms compared on it}.

    A paired difference is significant exactly when its mean exceeds its interval's half-width,
    so a difference smaller than the widest half-width of a task cannot be told from zero for
    every arm with these seeds. Tasks whose comparisons have one seed (no interval) are left out.
    """
    widest = {}
    for by_task in comparisons.values():
        for task, diff in by_task.items():
            if diff.half_width is not None:
                widest[task] = max(widest.get(task, 0.0), diff.half_width)
    return widest


def detectable_sentence(detectable: Dict[str, float], seeds: int,
                        task_labels: Dict[str, str]) -> str:
    """In words: per task, the size of difference below which these seeds cannot tell arms
    apart (so "no significant difference" is not read as "no difference")."""
    if not detectable:
        return ''
    parts = [f'{_unsigned(detectable[task])} ({label})' for task, label in task_labels.items()
             if task in detectable]
    return (f'Differences smaller than {", ".join(parts)} cannot be told apart with these '
            f'{seeds} seeds (the widest 95% interval half-width per task).')


def _unsigned(value):
    return f'{value:.{2 if value == 0 or abs(value) >= 1 else 3}f}'
