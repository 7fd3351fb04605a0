"""Classification data preprocessor that keeps the mix record of aligned batch augments.

mmpretrain's preprocessor calls its batch augment as ``inputs, scores = augment(inputs, scores)``;
an :class:`~tlalign_mm.augments.AlignedBatchAugment` additionally returns a :class:`MixRecord`.
A thin wrapper around the random augment choice keeps that record for the duration of one
``forward`` and the preprocessor then writes it onto the data samples, where the label tracer
reads it. ``batch_augments`` is a property, so an augment set later (mmpretrain's
``SwitchRecipeHook`` assigns a new ``RandomBatchAugment`` mid-training) is wrapped too and
keeps recording instead of handing mmpretrain a 3-tuple.
"""
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import MODELS


class _RecordKeepingAugment:
    """Calls the wrapped augment and sets aside the record, returning mmpretrain's 2-tuple."""

    def __init__(self, augment):
        self.augment = augment
        self.record = None

    @property
    def augments(self):
        """The augments the wrapped one chooses from (itself when it is a single augment)."""
        return getattr(self.augment, 'augments', [self.augment])

    def __call__(self, inputs, scores):
        out = self.augment(inputs, scores)
        self.record = out[2] if len(out) == 3 else None
        return out[0], out[1]


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
