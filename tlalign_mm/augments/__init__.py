from .aligned_batch_augment import AlignedBatchAugment, MixedBatch
from .aligned_cutmix import AlignedCutMix
from .aligned_mixup import AlignedMixup
from .aligned_token_cutmix import AlignedTokenCutMix
from .mix_record import MixRecord
from .mix_token import MixToken, TokenMixRecord
from .patch_negatives import PatchInfill, PatchRotate, PatchShuffle

__all__ = ['AlignedBatchAugment', 'AlignedCutMix', 'AlignedMixup', 'AlignedTokenCutMix',
           'MixedBatch', 'MixRecord', 'MixToken', 'TokenMixRecord', 'PatchInfill', 'PatchRotate',
           'PatchShuffle']
