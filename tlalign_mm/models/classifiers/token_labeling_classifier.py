"""An ``ImageClassifier`` that applies MixToken to the token embeddings during training.

MixToken's box is drawn by the :class:`~tlalign_mm.augments.MixToken` batch augment in the data
preprocessor (which also sets the class target and records the mix); this classifier carries out
the mix where it belongs — on the patch embedding's output, before the class token and the
position embedding — through a forward hook that exists only inside ``loss``. Everything else
(prediction, feature extraction, checkpoints) is ``ImageClassifier``'s, so the backbone stays the
stock module: LV-ViT, or mmpretrain's ``VisionTransformer`` for DeiT + token labeling.
"""
from contextlib import contextmanager

from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS

from ...augments.mix_record import MixRecord
from ...augments.mix_token import TokenMixRecord, mix_tokens


@contextmanager
def tokens_mixed(backbone, record):
    """Within the block, ``backbone.patch_embed`` returns tokens mixed as ``record`` says."""
    if not isinstance(record, TokenMixRecord):
        yield
        return
    patch_embed = getattr(backbone, 'patch_embed', None)
    if patch_embed is None:
        raise ValueError(f'MixToken mixes the output of the backbone\'s patch_embed; '
                         f'{type(backbone).__name__} has none')

    def mix(module, args, output):
        tokens, grid_hw = output
        return mix_tokens(tokens, record), grid_hw

    handle = patch_embed.register_forward_hook(mix)
    try:
        yield
    finally:
        handle.remove()


@MODELS.register_module()
class TokenLabelingClassifier(ImageClassifier):
    """``ImageClassifier`` + MixToken on the token embeddings (same arguments)."""

    def loss(self, inputs, data_samples):
        record = MixRecord.from_data_samples(data_samples)
        with tokens_mixed(self.backbone, record):
            feats = self.extract_feat(inputs)
        return self.head.loss(feats, data_samples)
