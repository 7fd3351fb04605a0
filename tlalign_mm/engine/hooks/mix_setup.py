"""The set-up check shared by the hooks that rewrite a mixed batch's label (TL-Align, TransMix).

Both need the mix record (partner, area λ, own-image mask) that only the aligned augments
(:class:`~tlalign_mm.augments.AlignedBatchAugment`) write and only
``MixRecordingDataPreprocessor`` keeps; anything else is refused before the first iteration
(and again whenever the batch augments are replaced during training) with one error naming the
cause, never silently trained on the area label.
"""
from ...augments import AlignedBatchAugment
from ...models.data_preprocessors import MixRecordingDataPreprocessor


def check_mix_recording(model, hook_name, error_type):
    """Raise ``error_type`` unless ``model`` records every mix its batch augments make."""
    preprocessor = model.data_preprocessor
    if not isinstance(preprocessor, MixRecordingDataPreprocessor):
        raise error_type(
            f'{hook_name} needs data_preprocessor type MixRecordingDataPreprocessor, got '
            f'{type(preprocessor).__name__}')
    if preprocessor.batch_augments is None:
        raise error_type(f'{hook_name} needs batch augments (model.train_cfg.augments)')
    stock = [type(a).__name__ for a in preprocessor.batch_augments.augments
             if a is not None and not isinstance(a, AlignedBatchAugment)]
    if stock:
        raise error_type(
            f'batch augments {stock} record no mix; use AlignedTokenCutMix, AlignedCutMix '
            f'or AlignedMixup (any AlignedBatchAugment) with {hook_name}')
