from .aligned_batch_augment import AlignedBatchAugment
from .aligned_cutmix import AlignedCutMix
from .aligned_mixup import AlignedMixup
from .aligned_token_cutmix import AlignedTokenCutMix
from .mix_record import MixRecord

__all__ = ['AlignedBatchAugment', 'AlignedCutMix', 'AlignedMixup', 'AlignedTokenCutMix',
           'MixRecord']
from .patch_negatives import PatchInfill, PatchRotate, PatchShuffle  # noqa: F401
