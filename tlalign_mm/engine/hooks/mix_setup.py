"""The set-up checks shared by the hooks that rewrite a mixed batch's label (TL-Align, TransMix).

Both need the mix record (partner, area λ, own-image mask) that only the aligned augments write
and only ``MixRecordingDataPreprocessor`` keeps; anything else is refused before the first
iteration with one error naming the cause, never silently trained on the area label.
"""
from mmengine.model import is_model_wrapper

from ...models.data_preprocessors import MixRecordingDataPreprocessor


def _aligned_augment_types():
    from ...augments import AlignedCutMix, AlignedMixup, AlignedTokenCutMix
    return (AlignedCutMix, AlignedMixup, AlignedTokenCutMix)


def unwrap_model(runner):
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


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
             if a is not None and not isinstance(a, _aligned_augment_types())]
    if stock:
        raise error_type(
            f'batch augments {stock} record no mix; use AlignedTokenCutMix, AlignedCutMix '
            f'or AlignedMixup with {hook_name}')
