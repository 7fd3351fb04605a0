"""Accuracy of a model on a class subset, with its logits restricted to that subset (IN-A/R).

ImageNet-A and ImageNet-R hold 200 of the 1000 ImageNet classes. Their protocol scores a
1000-way model by its arg-max over those 200 classes only; the unrestricted arg-max would count
every confusion with an absent class as an error the benchmark does not measure.
"""
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS
from ..errors import TLAlignError


class SubsetMetricError(TLAlignError, ValueError):
    """The evaluator does not know which classes the subset covers, or got no scores."""


@METRICS.register_module()
class SubsetAccuracy(BaseMetric):
    """Top-k accuracy with the prediction taken over ``subset_indices`` only.

    Args:
        topk (tuple[int]): the k of each reported top-k. Defaults to (1, 5).
        subset_indices (list[int], optional): indices of the subset's classes in the model's
            output. Defaults to None: ``dataset_meta['subset_indices']``, which
            :class:`~tlalign_mm.datasets.ImageNetSubsetDataset` publishes.
        prefix (str): metric name prefix, e.g. ``'imagenet-a'``. Defaults to ``'subset'``.
        collect_device (str): see mmengine's ``BaseMetric``. Defaults to ``'cpu'``.

    Reports ``<prefix>/top<k>`` in percent; the labels are in the model's output space.
    """
    default_prefix = 'subset'

    def __init__(self, topk=(1, 5), subset_indices=None, prefix=None, collect_device='cpu'):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(topk)
        self.subset_indices = subset_indices

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            if 'pred_score' not in sample:
                raise SubsetMetricError('SubsetAccuracy needs pred_score (class scores) on the '
                                        'predictions, got only a label')
            self.results.append((sample['pred_score'].cpu(), int(sample['gt_label'])))

    def _indices(self):
        indices = self.subset_indices
        if indices is None:
            indices = (self.dataset_meta or {}).get('subset_indices')
        if indices is None:
            raise SubsetMetricError(
                'SubsetAccuracy does not know the subset: pass subset_indices or use a dataset '
                "whose metainfo has 'subset_indices' (ImageNetSubsetDataset)")
        return torch.as_tensor(list(indices), dtype=torch.long)

    def compute_metrics(self, results):
        indices = self._indices()
        scores = torch.stack([score for score, _ in results])[:, indices]
        labels = torch.tensor([label for _, label in results])
        metrics = {}
        for k in self.topk:
            top = indices[scores.topk(min(k, indices.numel()), dim=1).indices]
            metrics[f'top{k}'] = (top == labels[:, None]).any(dim=1).float().mean().item() * 100
        return metrics
