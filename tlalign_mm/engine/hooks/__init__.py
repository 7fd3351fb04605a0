from .dataset_sanity_hook import DatasetSanityHook
from .tl_align_hook import TLAlignConfigError, TLAlignHook

__all__ = ['DatasetSanityHook', 'TLAlignHook', 'TLAlignConfigError']
