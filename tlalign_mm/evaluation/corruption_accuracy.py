"""Accuracy under corruptions (ImageNet-C, CIFAR-100-C, digits-C) and the corruption error mCE.

Predictions are grouped by the ``corruption`` and ``severity`` each sample carries. Reported, in
percent: the accuracy of every corruption (mean over its severities), of every severity (mean
over corruptions), ``mean_acc`` (mean over corruptions) and, given reference errors (AlexNet's for
ImageNet-C), Hendrycks & Dietterich's ``mCE``: for each corruption the model's error summed over
severities divided by the reference's, averaged over corruptions (100 = as bad as the reference).
"""
from collections import defaultdict

from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS
from ..errors import TLAlignError


class CorruptionMetricError(TLAlignError, ValueError):
    """Predictions lack their corruption/severity, or the reference errors do not fit."""


def reference_error(reference, corruption, severities):
    """Sum over ``severities`` of the reference error (a fraction) of ``corruption``."""
    if corruption not in reference:
        raise CorruptionMetricError(
            f'reference_errors has no entry for corruption {corruption!r}; give one (a mean '
            'error over severities, or one error per severity 1..5) for every corruption')
    value = reference[corruption]
    if isinstance(value, (int, float)):
        return float(value) * len(severities)
    if len(value) < max(severities):
        raise CorruptionMetricError(
            f'reference_errors[{corruption!r}] has {len(value)} severities, need '
            f'{max(severities)}')
    return sum(float(value[s - 1]) for s in severities)


@METRICS.register_module()
class CorruptionAccuracy(BaseMetric):
    """Top-1 accuracy per corruption and severity, their mean, and mCE.

    Args:
        reference_errors (dict, optional): corruption -> reference top-1 error as a fraction,
            either the mean over severities or a list of one error per severity. With it the
            metric also reports ``mCE``. Defaults to None.
        per_severity (bool): also report ``<corruption>/<severity>`` cells. Defaults to False.
        prefix (str): metric name prefix, e.g. ``'imagenet-c'``. Defaults to ``'corruption'``.
        collect_device (str): see mmengine's ``BaseMetric``. Defaults to ``'cpu'``.
    """
    default_prefix = 'corruption'

    def __init__(self, reference_errors=None, per_severity=False, prefix=None,
                 collect_device='cpu'):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.reference_errors = reference_errors
        self.per_severity = per_severity

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            if 'corruption' not in sample or 'severity' not in sample:
                raise CorruptionMetricError(
                    'predictions carry no corruption/severity: add them to PackInputs '
                    "meta_keys (tlalign_mm.datasets.CORRUPTION_META_KEYS)")
            if 'pred_label' not in sample:
                raise CorruptionMetricError('CorruptionAccuracy needs pred_label')
            correct = int(sample['pred_label']) == int(sample['gt_label'])
            self.results.append((sample['corruption'], int(sample['severity']), correct))

    def compute_metrics(self, results):
        hits = defaultdict(lambda: [0, 0])  # (corruption, severity) -> [correct, total]
        for corruption, severity, correct in results:
            hits[corruption, severity][0] += correct
            hits[corruption, severity][1] += 1
        acc = {key: 100.0 * c / n for key, (c, n) in hits.items()}
        corruptions = sorted({c for c, _ in acc})
        severities = sorted({s for _, s in acc})
        metrics = {}
        for c in corruptions:
            levels = sorted(s for cc, s in acc if cc == c)
            metrics[c] = sum(acc[c, s] for s in levels) / len(levels)
            if self.per_severity:
                metrics.update({f'{c}/{s}': acc[c, s] for s in levels})
        for s in severities:
            cells = [acc[c, s] for c in corruptions if (c, s) in acc]
            metrics[f'severity_{s}'] = sum(cells) / len(cells)
        metrics['mean_acc'] = sum(metrics[c] for c in corruptions) / len(corruptions)
        if self.reference_errors is not None:
            ces = []
            for c in corruptions:
                levels = sorted(s for cc, s in acc if cc == c)
                error = sum(100.0 - acc[c, s] for s in levels) / 100.0
                ces.append(100.0 * error / reference_error(self.reference_errors, c, levels))
            metrics['mCE'] = sum(ces) / len(ces)
        return metrics
