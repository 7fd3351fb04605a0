"""Each negative loss against a value worked out by hand, the contrastive one also against a
naive double loop over anchors and candidates."""
import math

import pytest
import torch
import torch.nn.functional as F

from tlalign_mm.models.losses import (NegativeContrastiveLoss, NegativeL2Loss,
                                      NegativeUniformLoss)


def test_uniform_loss_by_hand():
    negative = torch.tensor([[math.log(2.0), 0.0], [0.0, 0.0]])
    # Row 1: -(log(2/3) + log(1/3)) / 2; row 2: log 2 (already uniform: the minimum, log K).
    row1 = -(math.log(2 / 3) + math.log(1 / 3)) / 2
    expected = (row1 + math.log(2)) / 2
    got = NegativeUniformLoss()(None, negative)
    assert got.item() == pytest.approx(expected, abs=1e-6)


def test_l2_loss_by_hand():
    positive = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    negative = torch.tensor([[math.log(3.0), 0.0], [0.0, 0.0]])
    # p = (.5, .5) vs (.75, .25): distance sqrt(2) / 4; the second pair has distance 0.
    expected = -(math.sqrt(2) / 4 + 0.0) / 2
    loss = NegativeL2Loss()
    assert loss(positive, negative).item() == pytest.approx(expected, abs=1e-6)
    negative.requires_grad_(True)
    positive.requires_grad_(True)
    NegativeL2Loss(detach_positive=True)(positive, negative).backward()
    assert positive.grad is None and negative.grad.abs().sum() > 0


def test_contrastive_loss_by_hand():
    positive = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]])
    labels = torch.tensor([0, 0, 1])
    negative = torch.tensor([[-1.0, 0.0]])
    # tau = 1. Anchor 0: candidates cos 0 (sample 1, its partner), 1 (sample 2), -1 (negative).
    # Anchor 1: candidates cos 0, 0, 0; partner sample 0. Anchor 2 has no partner: left out.
    anchor0 = math.log(math.exp(0) + math.exp(1) + math.exp(-1)) - 0
    anchor1 = math.log(3.0)
    got = NegativeContrastiveLoss(temperature=1.0)(positive, negative, labels)
    assert got.item() == pytest.approx((anchor0 + anchor1) / 2, abs=1e-6)


def naive_contrastive(positive, negative, labels, tau):
    pos = [F.normalize(v, dim=0) for v in positive]
    neg = [F.normalize(v, dim=0) for v in negative]
    losses = []
    for i, anchor in enumerate(pos):
        candidates = [p for j, p in enumerate(pos) if j != i] + neg
        denominator = sum(math.exp(float(anchor @ c) / tau) for c in candidates)
        partners = [j for j in range(len(pos)) if j != i and labels[j] == labels[i]]
        if not partners:
            continue
        terms = [float(anchor @ pos[j]) / tau - math.log(denominator) for j in partners]
        losses.append(-sum(terms) / len(terms))
    return sum(losses) / len(losses)


@pytest.mark.parametrize('num_neg', [0, 5, 9])
def test_contrastive_loss_matches_double_loop(num_neg):
    torch.manual_seed(num_neg)
    positive = torch.randn(7, 6, dtype=torch.float64)
    negative = torch.randn(num_neg, 6, dtype=torch.float64)
    labels = torch.tensor([0, 1, 0, 2, 1, 0, 3])
    got = NegativeContrastiveLoss(temperature=0.3)(positive, negative, labels)
    assert got.item() == pytest.approx(naive_contrastive(positive, negative, labels, 0.3),
                                       rel=1e-5)


def test_contrastive_loss_without_any_partner_is_zero_with_a_graph():
    positive = torch.randn(3, 4, requires_grad=True)
    loss = NegativeContrastiveLoss()(positive, torch.randn(3, 4), torch.tensor([0, 1, 2]))
    assert loss.item() == 0.0
    loss.backward()
    assert positive.grad is not None
