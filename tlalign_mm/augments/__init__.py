from .aligned_cutmix import AlignedCutMix
from .aligned_mixup import AlignedMixup
from .aligned_token_cutmix import AlignedTokenCutMix
from .mix_record import MixRecord

__all__ = ['AlignedCutMix', 'AlignedMixup', 'AlignedTokenCutMix', 'MixRecord']
