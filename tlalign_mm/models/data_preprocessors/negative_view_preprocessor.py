"""Classification preprocessor that appends a patch-based negative view of every training image.

PNA makes its negatives from the *positively augmented* batch: after normalisation and the batch
augments (CutMix, Mixup, aligned or stock). Doing it here, inside the preprocessor, rather than in
the classifier's ``loss`` matters for the label-rewriting hooks (TL-Align, TransMix): they read the
batch's mix record when the preprocessor returns and trace labels during the one backbone pass.
Because the negatives are already in the returned batch, with their own rows of the mix record
(the own-image mask moved by the same random draw as the pixels), those hooks see a consistent
2B batch and write a label for every sample; the classifier then uses only the positives' labels.

A training batch of B images becomes 2B: ``inputs[:B]`` the positives, ``inputs[B:]`` their
negative views, ``data_samples[B + i]`` a fresh sample whose metainfo ``negative_of`` is ``i``.
Validation and test batches are returned untouched. Only :class:`NegativeAugmentClassifier`
understands such a batch (it checks for this preprocessor when it is built).
"""
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ...augments import MixRecord
from ...augments.patch_negatives import NegativeViewConfigError, PatchNegativeView
from .mix_recording_preprocessor import MixRecordingDataPreprocessor

NEGATIVE_OF = 'negative_of'


def negative_record(record, view, images):
    """The view of ``images`` and the mix record of the 2B batch (positives, then negatives).

    The own-image mask rides along as one more channel, so every negative pixel keeps the
    own-image share of the pixel it was copied from.
    """
    mask = record.own_mask[:, None].to(images.dtype)
    moved = view(torch.cat([images, mask], dim=1))
    negatives, neg_mask = moved[:, :-1], moved[:, -1].float()
    return negatives, record.with_negative_views(neg_mask)


@MODELS.register_module()
class NegativeViewDataPreprocessor(MixRecordingDataPreprocessor):
    """``MixRecordingDataPreprocessor`` whose training batches also carry negative views.

    Args:
        negative_view (dict): config of the view, e.g. ``dict(type='PatchRotate',
            patch_size=16)`` (:mod:`tlalign_mm.augments.patch_negatives`).
        **kwargs: the arguments of mmpretrain's ``ClsDataPreprocessor``.
    """

    def __init__(self, negative_view, **kwargs):
        super().__init__(**kwargs)
        view = MODELS.build(negative_view) if isinstance(negative_view, dict) else negative_view
        if not isinstance(view, PatchNegativeView):
            raise NegativeViewConfigError(
                'negative_view must be a PatchNegativeView (PatchShuffle, PatchRotate, '
                f'PatchInfill), got {type(view).__name__}')
        self.negative_view = view

    def forward(self, data, training=False):
        out = super().forward(data, training)
        samples = out.get('data_samples')
        if not training or samples is None:
            return out
        images = out['inputs']
        record = MixRecord.from_data_samples(samples)
        if record is None:
            negatives = self.negative_view(images)
        else:
            negatives, record = negative_record(record, self.negative_view, images)
        extra = [DataSample(metainfo={NEGATIVE_OF: i}) for i in range(len(samples))]
        samples = list(samples) + extra
        if record is not None:
            record.attach_to(samples)
        return dict(inputs=torch.cat([images, negatives]), data_samples=samples)
