"""The base class of alignment-aware batch augments: a mixed batch plus its mix record.

mmpretrain's batch augments return ``(mixed_inputs, mixed_scores)``, and so does an aligned
augment: a :class:`MixedBatch`, the same pair that also carries the :class:`MixRecord` (partner,
area λ, per-pixel own-image share) that label tracing needs as its ``record`` attribute.
:class:`~tlalign_mm.models.data_preprocessors.MixRecordingDataPreprocessor` recognises it with
``isinstance`` and keeps the record on the data samples; the label-rewriting hooks refuse any
augment that is not an ``AlignedBatchAugment`` (``isinstance`` again).

A subclass implements :meth:`mix` on a (B, K) float score batch. The call is kept out of
``torch.compile`` graphs: it is host-side sampling (numpy boxes and λ) plus one paste, and the
mix record it returns must be the very tensors the tracer reads.
"""
import torch


class MixedBatch(tuple):
    """``(inputs, scores)`` as every mmpretrain batch augment returns it, plus ``record``: the
    :class:`MixRecord` of the mix (unpacking gives the pair, so it fits anywhere the pair does)."""

    def __new__(cls, inputs: torch.Tensor, scores: torch.Tensor, record) -> 'MixedBatch':
        batch = super().__new__(cls, (inputs, scores))
        batch.record = record
        return batch


class AlignedBatchAugment:
    """Mixing augment that reports what it mixed; ``__call__`` returns a :class:`MixedBatch`."""

    def mix(self, batch_inputs: torch.Tensor, batch_scores: torch.Tensor) -> tuple:
        """Mix ``batch_inputs`` (B, C, H, W) and the (B, K) float ``batch_scores``.

        Returns:
            tuple: mixed inputs, mixed (B, K) scores, :class:`MixRecord`.
        """
        raise NotImplementedError

    @torch.compiler.disable
    def __call__(self, batch_inputs: torch.Tensor, batch_score: torch.Tensor) -> MixedBatch:
        if batch_score.ndim != 2:
            raise ValueError(f'{type(self).__name__} needs one-hot/soft scores (B, num_classes), '
                             f'got shape {tuple(batch_score.shape)}')
        return MixedBatch(*self.mix(batch_inputs, batch_score.float()))
