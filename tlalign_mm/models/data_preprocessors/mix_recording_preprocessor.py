"""Classification data preprocessor that keeps the mix record of aligned batch augments.

mmpretrain's preprocessor calls its batch augment as ``inputs, scores = augment(inputs, scores)``;
the aligned augments additionally return a :class:`MixRecord`. A thin wrapper around the random
augment choice keeps that record for the duration of one ``forward`` and the preprocessor then
writes it onto the data samples, where the label tracer reads it.
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
        return self.augment.augments

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.batch_augments is not None:
            self.batch_augments = _RecordKeepingAugment(self.batch_augments)

    def forward(self, data, training=False):
        out = super().forward(data, training)
        keeper = self.batch_augments
        if keeper is not None and keeper.record is not None:
            if training and out.get('data_samples') is not None:
                keeper.record.attach_to(out['data_samples'])
            keeper.record = None
        return out
