"""An ``ImageClassifier`` trained with Patch-based Negative Augmentation (PNA).

``loss = CE(f(x), y) + neg_weight * L_neg(x, x~)``: the stock head loss on the positives plus one
of the negative losses of :mod:`tlalign_mm.models.losses.negative_losses` on the patch-based
negative views ``x~`` that :class:`NegativeViewDataPreprocessor` appended to the batch. Positives
and negatives go through the backbone as *one* batch (one forward, one backward), so batch-level
layers and the label-tracing hooks see them together. Prediction, feature extraction and
checkpoints are exactly those of ``ImageClassifier``: only ``loss`` differs, so a PNA checkpoint
is a plain mmpretrain checkpoint.
"""
import torch
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS

from ..data_preprocessors.negative_view_preprocessor import (NEGATIVE_OF,
                                                              NegativeViewDataPreprocessor)
from ...errors import TLAlignError


class NegativeAugmentConfigError(TLAlignError, ValueError):
    """The classifier is not set up to receive negative views."""


def split_batch(feats, batch):
    """(positives, negatives) halves of a backbone/neck output: a tensor or tuple of tensors."""
    if torch.is_tensor(feats):
        return feats[:batch], feats[batch:]
    return tuple(f[:batch] for f in feats), tuple(f[batch:] for f in feats)


def hard_labels(data_samples):
    """(B,) class of each positive: the arg-max of the label the head trains on.

    After CutMix/Mixup (and TL-Align's rewrite) that is ``gt_score``'s dominant class, the class
    the image is mostly made of; unmixed batches use ``gt_label``.
    """
    if 'gt_score' in data_samples[0]:
        return torch.stack([s.gt_score for s in data_samples]).argmax(dim=1)
    return torch.cat([s.gt_label for s in data_samples])


@MODELS.register_module()
class NegativeAugmentClassifier(ImageClassifier):
    """``ImageClassifier`` whose training loss adds a negative-view term.

    Args:
        neg_loss (dict): config of the negative loss, e.g. ``dict(type='NegativeUniformLoss')``,
            ``dict(type='NegativeL2Loss')`` or ``dict(type='NegativeContrastiveLoss',
            temperature=0.1)``.
        neg_weight (float): lambda_neg; the method uses 0.5, 1 or 1.5. Defaults to 1.0.
        data_preprocessor (dict): must be a ``NegativeViewDataPreprocessor`` config (it makes
            the negatives); its view's patch size must be a multiple of the backbone's.
        **kwargs: the arguments of mmpretrain's ``ImageClassifier``.

    Logs ``loss`` (the head's) and ``loss_neg`` (already multiplied by ``neg_weight``)
    separately; mmengine sums both into the optimised total.
    """

    def __init__(self, neg_loss, neg_weight=1.0, data_preprocessor=None, **kwargs):
        super().__init__(data_preprocessor=data_preprocessor, **kwargs)
        if not isinstance(self.data_preprocessor, NegativeViewDataPreprocessor):
            raise NegativeAugmentConfigError(
                'NegativeAugmentClassifier needs data_preprocessor type '
                f'NegativeViewDataPreprocessor, got {type(self.data_preprocessor).__name__}')
        self.data_preprocessor.negative_view.check_backbone(self.backbone)
        self.neg_loss = MODELS.build(neg_loss) if isinstance(neg_loss, dict) else neg_loss
        if getattr(self.neg_loss, 'input_space', None) not in ('logits', 'features'):
            raise NegativeAugmentConfigError(
                f'{type(self.neg_loss).__name__} declares no input_space '
                "('logits' or 'features'); use one of the Negative*Loss classes")
        self.neg_weight = float(neg_weight)

    def loss(self, inputs, data_samples):
        """Head loss on ``inputs[:B]`` plus ``neg_weight * L_neg`` on the appended views."""
        batch = len(data_samples) // 2
        positives, negatives = data_samples[:batch], data_samples[batch:]
        if (len(data_samples) % 2 or inputs.size(0) != len(data_samples)
                or any(NEGATIVE_OF in s for s in positives)
                or not all(NEGATIVE_OF in s for s in negatives)):
            raise NegativeAugmentConfigError(
                'the training batch carries no negative views (expected B positives then B '
                'samples with metainfo negative_of); NegativeViewDataPreprocessor makes them')
        feats = self.extract_feat(inputs)
        pos_feats, neg_feats = split_batch(feats, batch)
        losses = self.head.loss(pos_feats, positives)
        if self.neg_loss.input_space == 'features':
            outputs = self.head.pre_logits(feats)
        else:
            outputs = self.head(feats)
        pos_out, neg_out = outputs[:batch], outputs[batch:]
        labels = hard_labels(positives) if self.neg_loss.input_space == 'features' else None
        losses['loss_neg'] = self.neg_weight * self.neg_loss(pos_out, neg_out, labels)
        return losses
