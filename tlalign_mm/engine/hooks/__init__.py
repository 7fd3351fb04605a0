from .dataset_sanity_hook import DatasetSanityHook
from .tl_align_hook import TLAlignConfigError, TLAlignHook
from .transmix_hook import TransMixConfigError, TransMixHook

__all__ = ['DatasetSanityHook', 'TLAlignHook', 'TLAlignConfigError', 'TransMixHook',
           'TransMixConfigError']
from .trainable_params_hook import TrainableParamsHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .rng_state_hook import RNGStateHook
from .token_label_align_hook import TokenLabelAlignHook  # noqa: F401
