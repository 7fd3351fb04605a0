"""The per-token (dense) targets of token labeling, gathered from a batch's data samples.

Three sources, in order of precedence:

- ``traced_token_score`` (N, K): TL-Align's traced token labels (``TokenLabelAlignHook``),
  already in the frame of the token *outputs* (they followed the mixed tokens), so the head
  compares them without swapping anything back;
- ``token_logits`` (U, N) + ``token_classes`` (U,): the annotator's score map cropped to the
  token grid by the pipeline (``TokenLabelTargets``) as logits of the U classes it names; every
  other class has logit 0 (not probability 0), then softmax over K — each image's own target;
- neither: every token gets the image's own label (the pre-mix label under MixToken).
"""
import torch

from ...datasets.data_errors import DataError


class TokenTargetError(DataError):
    """A sample's dense target does not fit the head (token count or class count)."""


def _sample_name(sample):
    return sample.get('img_path', sample.get('sample_idx', '?'))


def score_map_targets(data_samples, num_tokens, num_classes, device):
    """(B, N, K) softmax targets from the samples' sparse token logits."""
    dense = torch.zeros(len(data_samples), num_tokens, num_classes, device=device)
    for row, sample in enumerate(data_samples):
        logits = torch.as_tensor(sample.token_logits, device=device).float()
        classes = torch.as_tensor(sample.token_classes, device=device).long()
        if logits.size(-1) != num_tokens:
            raise TokenTargetError(
                f'score-map target of {_sample_name(sample)} covers {logits.size(-1)} tokens '
                f'but the backbone made {num_tokens}; set TokenLabelTargets grid_size to the '
                'token grid')
        if classes.numel() and int(classes.max()) >= num_classes:
            raise TokenTargetError(
                f'score map of {_sample_name(sample)} names class {int(classes.max())} but the '
                f'head has {num_classes} classes')
        dense[row].index_copy_(1, classes, logits.t())
    return dense.softmax(dim=-1)


def dense_token_targets(data_samples, num_tokens, num_classes, own_labels):
    """(B, N, K) dense targets and whether they are in the own-image frame.

    Args:
        data_samples (list[DataSample]): the batch.
        num_tokens (int): N, the patch tokens the backbone made.
        num_classes (int): K.
        own_labels (Tensor): (B, K) each image's own label, the fallback target.

    Returns:
        tuple[Tensor, bool]: targets, and True when token outputs must be swapped back to
        their source image before comparing (score maps, fallback), False for traced labels.
    """
    first = data_samples[0]
    if 'traced_token_score' in first:
        traced = torch.stack([s.traced_token_score for s in data_samples]).to(own_labels)
        if traced.shape[1:] != (num_tokens, num_classes):
            raise TokenTargetError(f'traced token labels {tuple(traced.shape)} do not fit '
                                   f'{num_tokens} tokens x {num_classes} classes')
        return traced, False
    if 'token_logits' in first:
        return score_map_targets(data_samples, num_tokens, num_classes,
                                 own_labels.device), True
    return own_labels[:, None].expand(-1, num_tokens, -1), True
