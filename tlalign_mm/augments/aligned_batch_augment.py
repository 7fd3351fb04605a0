"""The base class of alignment-aware batch augments: a mixed batch plus its mix record.

mmpretrain's batch augments return ``(mixed_inputs, mixed_scores)``. An aligned augment also
returns the :class:`MixRecord` (partner, area λ, per-pixel own-image share) that label tracing
needs, as a third element. :class:`~tlalign_mm.models.data_preprocessors.
MixRecordingDataPreprocessor` keeps that record on the data samples and hands mmpretrain the
usual pair, and the label-rewriting hooks refuse any augment that is not one of these — the
``isinstance`` test against this class is how both recognise them.

A subclass implements :meth:`mix` on a (B, K) float score batch. The call is kept out of
``torch.compile`` graphs: it is host-side sampling (numpy boxes and λ) plus one paste, and the
mix record it returns must be the very tensors the tracer reads.
"""
import torch


class AlignedBatchAugment:
    """Mixing augment that reports what it mixed; ``__call__`` returns ``(inputs, scores,
    record)``."""

    def mix(self, batch_inputs, batch_scores):
        """Mix ``batch_inputs`` (B, C, H, W) and the (B, K) float ``batch_scores``.

        Returns:
            tuple: mixed inputs, mixed (B, K) scores, :class:`MixRecord`.
        """
        raise NotImplementedError

    @torch.compiler.disable
    def __call__(self, batch_inputs, batch_score):
        if batch_score.ndim != 2:
            raise ValueError(f'{type(self).__name__} needs one-hot/soft scores (B, num_classes), '
                             f'got shape {tuple(batch_score.shape)}')
        return self.mix(batch_inputs, batch_score.float())
