"""The three PNA negative losses: what a model should do with a patch-based negative view.

Each loss takes the positive batch's outputs, the negative views' outputs and the positive labels,
``forward(positive, negative, labels)``, and says through ``input_space`` which outputs it needs:
``'logits'`` (the head's class scores) or ``'features'`` (the head's pre-logits, i.e. the
penultimate representation). :class:`NegativeAugmentClassifier` hands it exactly that and adds
``neg_weight * loss`` to the stock classification loss.

- :class:`NegativeUniformLoss` (label space): the negative's prediction should be uniform.
- :class:`NegativeL2Loss` (logit space): the negative's probabilities should be far (in L2)
  from the positive's.
- :class:`NegativeContrastiveLoss` (representation space): supervised contrastive loss in which
  every negative view is an extra candidate that no anchor may be close to.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS


@MODELS.register_module()
class NegativeUniformLoss(nn.Module):
    """Cross entropy of the negative views' logits against the uniform distribution.

    ``mean_b [ -1/K sum_k log softmax(z_b)_k ] = mean_b [ logsumexp(z_b) - mean_k z_bk ]``.
    Its minimum, log K, is reached exactly when a negative gets the same score for every class.
    """
    input_space = 'logits'

    def forward(self, positive, negative, labels=None):
        negative = negative.float()
        return (negative.logsumexp(dim=1) - negative.mean(dim=1)).mean()


@MODELS.register_module()
class NegativeL2Loss(nn.Module):
    """``-mean_b || softmax(z_b) - softmax(z~_b) ||_2``: push the negative's prediction away.

    The norm is not squared (as in the method): the gradient keeps its size when the two
    predictions are already close, where a squared norm would vanish.

    Args:
        detach_positive (bool): stop the gradient through the positive prediction, so only the
            negative's prediction moves and the positive one is left to the classification loss.
            Defaults to False (both move, the literal form of the loss).
    """
    input_space = 'logits'

    def __init__(self, detach_positive=False):
        super().__init__()
        self.detach_positive = detach_positive

    def forward(self, positive, negative, labels=None):
        positive = positive.detach() if self.detach_positive else positive
        gap = positive.float().softmax(dim=1) - negative.float().softmax(dim=1)
        return -gap.norm(dim=1).mean()


@MODELS.register_module()
class NegativeContrastiveLoss(nn.Module):
    """Supervised contrastive loss on the penultimate features, negatives as extra candidates.

    For anchor ``i`` (a positive sample) with cosine similarities ``s`` divided by ``tau``:
    ``l_i = -1/|P(i)| sum_{p in P(i)} [ s_ip - log sum_{a in A(i)} exp(s_ia) ]``, where ``P(i)`` are
    the other positives of the same class and ``A(i)`` every other positive plus every negative
    view. The loss is the mean of ``l_i`` over the anchors that have at least one same-class
    partner (0 when none has). No projection head: the features are the head's pre-logits.

    Args:
        temperature (float): ``tau``. Defaults to 0.1.
    """
    input_space = 'features'

    def __init__(self, temperature=0.1):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature!r}')
        self.temperature = temperature

    def forward(self, positive, negative, labels=None):
        if labels is None:
            raise ValueError('NegativeContrastiveLoss needs the positive labels (B,)')
        batch = positive.size(0)
        anchors = F.normalize(positive.float(), dim=1)
        candidates = torch.cat([anchors, F.normalize(negative.float(), dim=1)])
        logits = anchors @ candidates.t() / self.temperature  # (B, B + B_neg)
        is_self = torch.zeros_like(logits, dtype=torch.bool)
        is_self[:, :batch] = torch.eye(batch, dtype=torch.bool, device=logits.device)
        logits = logits.masked_fill(is_self, float('-inf'))
        log_prob = (logits - logits.logsumexp(dim=1, keepdim=True)).masked_fill(is_self, 0)
        same = torch.zeros_like(is_self)
        same[:, :batch] = labels[:, None] == labels[None, :]
        same &= ~is_self
        count = same.sum(dim=1)
        per_anchor = -(log_prob * same).sum(dim=1) / count.clamp_min(1)
        has_partner = count > 0
        # Mean over the anchors with a partner; with none, a zero that still has a graph.
        return (per_anchor * has_partner).sum() / has_partner.sum().clamp_min(1)
