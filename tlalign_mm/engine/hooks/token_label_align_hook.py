"""TL-Align × token labeling: the traced labels are the token-labeling targets, no annotator.

After the last block every patch token carries the traced label ``a_i·y_own + (1−a_i)·y_partner``
of what it is made of, and the class token the traced image label. This hook is
:class:`TLAlignHook` (the class token's traced label becomes ``gt_score``, the class target) that
also writes every patch token's traced label on the data samples as ``traced_token_score``
(N, K), which :class:`~tlalign_mm.models.heads.TokenLabelingHead` uses as the dense targets, in
either label mode (the label source turns the traced form into K-class labels). Those labels
followed the mixed tokens, so the head compares them with the token outputs as they are (no
MixToken swap-back).
"""
from mmengine.registry import HOOKS

from .tl_align_hook import TLAlignHook


@HOOKS.register_module()
class TokenLabelAlignHook(TLAlignHook):
    """Same arguments as :class:`TLAlignHook`."""
    token_labels = True
