from .dataset_sanity_hook import DatasetSanityHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .mixed_label_hook import MixedLabelHook
from .rng_state_hook import RNGStateHook
from .tl_align_hook import TLAlignConfigError, TLAlignHook
from .token_label_align_hook import TokenLabelAlignHook
from .trainable_params_hook import TrainableParamsHook
from .transmix_hook import TransMixConfigError, TransMixHook

__all__ = ['DatasetSanityHook', 'FiniteLossHook', 'MixedLabelHook', 'NonFiniteLossError',
           'RNGStateHook', 'TLAlignConfigError', 'TLAlignHook', 'TokenLabelAlignHook',
           'TrainableParamsHook', 'TransMixConfigError', 'TransMixHook']
