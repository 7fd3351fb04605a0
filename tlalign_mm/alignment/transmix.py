"""TransMix's target (Chen et al., CVPR 2022) as plain tensor math, so it can be checked by hand.

TransMix is the output-side peer of TL-Align (docs/tl_align.md, "TransMix"): no propagation
through depth, only the last block's class-token attention to the patch tokens, averaged over
heads. Its own-image share is that attention's mass on own-image patches, normalised over the
patches (the class token's attention to itself and other extra tokens is left out):

    λ_attn = Σ_i a_i m_i / Σ_i a_i        (a_i attention to patch i, m_i its own-image fraction)

and the target share is the mean with the area ratio, ½(λ_area + λ_attn), for cut-and-paste
batches. Mixup rows keep λ_area untouched: every patch is λ own-image there, so λ_attn = λ anyway,
and keeping the value exact avoids a pointless round-off change.
"""
import torch


def attention_own_share(cls_attention, own_fraction):
    """(B,) λ_attn from the class token's attention to the patches.

    Args:
        cls_attention: (B, P) non-negative attention of the class token to the P patch tokens.
        own_fraction: (B, P) own-image fraction of each patch, in [0, 1].
    """
    if cls_attention.shape != own_fraction.shape:
        raise ValueError(f'class attention {tuple(cls_attention.shape)} and patch own-image '
                         f'fractions {tuple(own_fraction.shape)} must have the same shape')
    attention = cls_attention.float()
    mass = attention.sum(-1)
    return (attention * own_fraction.float()).sum(-1) / mass.clamp_min(1e-12)


def cut_rows(own_mask):
    """(B,) bool: the samples mixed by cutting and pasting (every pixel wholly own or partner).

    Decided from the mix record itself, per sample and without a host sync, so it stays right
    when ``RandomBatchAugment`` switches between CutMix and Mixup from batch to batch.
    """
    pixels = own_mask.flatten(1)
    return ((pixels == 0) | (pixels == 1)).all(dim=1)


def transmix_lambda(area_lam, attn_lam, is_cut):
    """(B,) TransMix own-image share: ½(λ_area + λ_attn) where ``is_cut``, else λ_area."""
    return torch.where(is_cut, 0.5 * (area_lam + attn_lam), area_lam)
