"""Where the initial token labels come from: a batch's mix record, or labels given directly.

A source is asked for the initial labels once the backbone has computed its first token grid:
``initial_labels(pool, grid_hw, num_extra_tokens)`` where ``pool`` is the tracer's own mapping of
a (B, H, W) per-pixel share onto that grid (the source never needs to know the stem). It maps the
final token-label summary back to an image-level soft label.
"""
import torch

from ..errors import check_choice


class MixRecordSource:
    """Initial labels from a :class:`MixRecord`.

    ``scalar`` propagates the own-image share (exact for two sources, O(N²) per layer);
    ``kdim`` propagates full K-dim labels (the general path, O(N²K)), plus the own-image share
    as one more channel: the propagation is linear, so that channel ends as the share the
    K-dim label was built with, and the logged gap needs no projection back onto the sources
    (which is undefined for a sample mixed with an identically labelled partner).
    """

    def __init__(self, record, mode='scalar'):
        check_choice('label_mode', mode, ('scalar', 'kdim'))
        self.record = record
        self.mode = mode

    def initial_labels(self, pool, grid_hw, num_extra_tokens):
        rec = self.record
        share = pool(rec.own_mask)  # (B, P)
        if num_extra_tokens:  # extra tokens carry the area λ (no expand for the one cls token)
            extra = rec.lam[:, None]
            if num_extra_tokens > 1:
                extra = extra.expand(-1, num_extra_tokens)
            share = torch.cat([extra, share], dim=1)
        share = share[..., None]  # (B, N, 1)
        if self.mode == 'scalar':
            return share
        kdim = torch.lerp(rec.partner_score[:, None], rec.own_score[:, None], share)
        return torch.cat([kdim, share], dim=-1)  # (B, N, K + 1)

    def image_label(self, final: torch.Tensor) -> torch.Tensor:
        """(B, K) soft label from the (B, D) final summary label."""
        return self.token_labels(final)

    def token_labels(self, traced: torch.Tensor) -> torch.Tensor:
        """(B, ..., K) soft labels from traced labels (B, ..., D): the summary or every token.

        The one place where the traced form becomes a K-class label: ``scalar`` mode lerps the
        two sources' scores by the traced own-image share, ``kdim`` drops the share channel.
        """
        if self.mode == 'kdim':
            return traced[..., :-1]
        # (each view or slice is one more dispatched op: none for the (B, 1) image summary)
        share = traced if traced.size(-1) == 1 else traced[..., :1]
        own, partner = self.record.own_score, self.record.partner_score
        if share.dim() > 2:  # every token's label: the scores broadcast over the tokens
            shape = (share.size(0), ) + (1, ) * (share.dim() - 2) + (-1, )
            own, partner = own.reshape(shape), partner.reshape(shape)
        return torch.lerp(partner, own, share)

    def own_share(self, final):
        """(B,) aligned own-image share, for the alignment-gap log."""
        return final[:, 0] if self.mode == 'scalar' else final[:, -1]


class ExplicitSource:
    """Initial labels given as tensors (the public ``align_labels`` API, token labeling)."""

    def __init__(self, patch_labels, cls_label=None):
        if patch_labels.dim() != 3:
            raise ValueError('patch_labels must be (B, Hp*Wp, K), got shape '
                             f'{tuple(patch_labels.shape)}')
        self.patch_labels = patch_labels.float()
        self.cls_label = (self.patch_labels.mean(1) if cls_label is None else cls_label.float())

    def initial_labels(self, pool, grid_hw, num_extra_tokens):
        num_patches = grid_hw[0] * grid_hw[1]
        if self.patch_labels.size(1) != num_patches:
            raise ValueError(
                f'patch_labels has {self.patch_labels.size(1)} tokens but the backbone '
                f'computes a {grid_hw[0]}x{grid_hw[1]} patch grid ({num_patches} tokens)')
        extra = self.cls_label[:, None].expand(-1, num_extra_tokens, -1)
        return torch.cat([extra, self.patch_labels], dim=1)

    def image_label(self, final):
        return final
