"""Classification data preprocessor that keeps the mix record of aligned batch augments.

mmpretrain's preprocessor calls its batch augment as ``inputs, scores = augment(inputs, scores)``;
an :class:`~tlalign_mm.augments.AlignedBatchAugment` returns that pair as a
:class:`~tlalign_mm.augments.MixedBatch`, which also carries its :class:`MixRecord`. A thin
wrapper around the random augment choice recognises it (``isinstance``) and keeps the record for
the duration of one ``forward``; the preprocessor then writes it onto the data samples, where
the label rewriters read it. ``batch_augments`` is a property, so an augment set later
(mmpretrain's ``SwitchRecipeHook`` assigns a new ``RandomBatchAugment`` mid-training) is wrapped
too and keeps recording.
"""
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import MODELS

from ...augments import MixedBatch


class _RecordKeepingAugment:
    """Calls the wrapped augment and sets aside the record of a :class:`MixedBatch`."""

    def __init__(self, augment):
        self.augment = augment
        self.record = None

    @property
    def augments(self):
        """The augments the wrapped one chooses from (itself when it is a single augment)."""
        return getattr(self.augment, 'augments', [self.augment])

    def __call__(self, inputs, scores):
        out = self.augment(inputs, scores)
        self.record = out.record if isinstance(out, MixedBatch) else None
        inputs, scores = out
        return inputs, scores


@MODELS.register_module()
class MixRecordingDataPreprocessor(ClsDataPreprocessor):
    """``ClsDataPreprocessor`` whose training batches carry ``mix_*`` fields on each sample.

    Batches left unmixed (the ``probs`` remainder of ``RandomBatchAugment``) carry no record,
    which the tracer reads as "nothing to align".
    """

    @property
    def batch_augments(self):
        return self._record_keeper

    @batch_augments.setter
    def batch_augments(self, augments):
        if augments is not None and not isinstance(augments, _RecordKeepingAugment):
            augments = _RecordKeepingAugment(augments)
        self._record_keeper = augments

    def forward(self, data, training=False):
        out = super().forward(data, training)
        keeper = self.batch_augments
        if keeper is not None and keeper.record is not None:
            if training and out.get('data_samples') is not None:
                keeper.record.attach_to(out['data_samples'])
            keeper.record = None
        return out
