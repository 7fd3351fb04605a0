"""Training with negatives: the loss is the stock head loss on the positives plus lambda_neg times
the negative loss, computed from one backbone pass; it runs through the real runner, alone and
together with TL-Align (whose traced labels for the positives stay those of the positives)."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from tlalign_mm.alignment import align_labels
from tlalign_mm.augments import MixRecord
from tlalign_mm.augments.patch_negatives import NegativeViewConfigError
from tlalign_mm.models.classifiers import NegativeAugmentConfigError
from tlalign_mm.models.losses import (NegativeContrastiveLoss, NegativeL2Loss,
                                      NegativeUniformLoss)

from ..conftest import config_path
from ..test_alignment.test_tlalign_training import load_cfg, logged

PNA = config_path('pretrain', 'pna', 'deit-digits_pna-rotate-uniform_digits.py')
TLALIGN_PNA = config_path('pretrain', 'pna', 'deit-digits_tlalign-pna-rotate-uniform_digits.py')


def build_model(path=PNA, **model_overrides):
    cfg = Config.fromfile(path)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.data_preprocessor = copy.deepcopy(cfg.data_preprocessor)
    for key, value in model_overrides.items():
        model_cfg[key] = value
    return MODELS.build(model_cfg)


def digit_batch(batch=6):
    torch.manual_seed(0)
    inputs = [torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8) for _ in range(batch)]
    samples = [DataSample().set_gt_label(i % 3) for i in range(batch)]
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('loss', [NegativeUniformLoss(), NegativeL2Loss(),
                                  NegativeContrastiveLoss(temperature=0.5)])
def test_loss_is_head_loss_plus_weighted_negative_loss(loss):
    model = build_model(neg_loss=loss, neg_weight=0.5)
    data = model.data_preprocessor(digit_batch(), training=True)
    inputs, samples = data['inputs'], data['data_samples']
    assert inputs.shape == (12, 3, 32, 32) and len(samples) == 12
    losses = model.loss(inputs, samples)
    assert set(losses) == {'loss', 'loss_neg'}
    # Reference: positives and negatives through the network separately.
    with torch.no_grad():
        pos_feats, neg_feats = model.extract_feat(inputs[:6]), model.extract_feat(inputs[6:])
        ce = model.head.loss(pos_feats, samples[:6])['loss']
        if loss.input_space == 'features':
            pos, neg = model.head.pre_logits(pos_feats), model.head.pre_logits(neg_feats)
            labels = torch.stack([s.gt_score for s in samples[:6]]).argmax(1)
            expected = loss(pos, neg, labels)
        else:
            expected = loss(model.head(pos_feats), model.head(neg_feats))
    assert losses['loss'].item() == pytest.approx(ce.item(), abs=1e-5)
    assert losses['loss_neg'].item() == pytest.approx(0.5 * expected.item(), abs=1e-5)
    # The negatives are the view of the (CutMix-ed) positives: the same pixels, rotated.
    assert torch.allclose(inputs[:6].flatten(1).sort(1).values,
                          inputs[6:].flatten(1).sort(1).values)


def test_eval_batches_get_no_negatives():
    model = build_model()
    data = model.data_preprocessor(digit_batch(), training=False)
    assert data['inputs'].shape[0] == 6 and len(data['data_samples']) == 6


def test_misconfiguration_fails_at_build():
    with pytest.raises(NegativeAugmentConfigError, match='NegativeViewDataPreprocessor'):
        build_model(data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=10))
    cfg = Config.fromfile(PNA)
    with pytest.raises(NegativeViewConfigError, match='not a multiple of the backbone patch'):
        build_model(data_preprocessor=dict(cfg.data_preprocessor,
                                           negative_view=dict(type='PatchRotate',
                                                              patch_size=12)))
    model = build_model()
    plain = model.data_preprocessor(digit_batch(), training=False)
    with pytest.raises(NegativeAugmentConfigError, match='carries no negative views'):
        model.loss(plain['inputs'], plain['data_samples'])


def short_run(path, tmp_path):
    cfg = load_cfg(path, tmp_path, train_cfg=dict(max_epochs=1, val_interval=1),
                   default_hooks=dict(logger=dict(interval=1)))
    cfg.train_dataloader.dataset['indices'] = 96  # 3 iterations of 32 (+32 negatives)
    cfg.val_dataloader.dataset['indices'] = 32
    return Runner.from_cfg(cfg)


def test_runner_trains_with_negatives_and_logs_the_negative_loss(digits_root, tmp_path):
    runner = short_run(PNA, tmp_path)
    runner.train()
    neg = logged(tmp_path, 'loss_neg')
    assert len(neg) == 3
    # Untrained, the uniform loss starts near its minimum log(10): the tiny ViT is unsure.
    assert all(2.2 < v < 2.6 for v in neg), neg
    assert logged(tmp_path, 'accuracy/top1')  # validation ran on clean images only


def test_tlalign_traces_the_positives_as_if_alone(digits_root, tmp_path):
    runner = short_run(TLALIGN_PNA, tmp_path)
    model = runner.model
    seen = []
    stock_loss = model.head.loss

    def recording_loss(feats, data_samples, **kwargs):
        seen.append([s.gt_score.clone() for s in data_samples])
        return stock_loss(feats, data_samples, **kwargs)

    stock_classifier_loss = model.loss

    def recording_classifier_loss(inputs, data_samples):
        # The reference runs after the real loss (the hook has written its labels and let go
        # of the batch) and before the optimizer step, so with the same weights.
        losses = stock_classifier_loss(inputs, data_samples)
        record = MixRecord.from_data_samples(data_samples)
        batch = len(data_samples) // 2
        rows = record.select(torch.arange(batch))
        share = F.avg_pool2d(rows.own_mask[:, None], 8).flatten(1)[..., None]  # 8 px patches
        patch_labels = share * rows.own_score[:, None] + (1 - share) * rows.partner_score[:, None]
        lam = rows.lam[:, None]
        cls_label = lam * rows.own_score + (1 - lam) * rows.partner_score
        expected.append(align_labels(model.backbone, inputs[:batch].detach(), patch_labels,
                                     cls_label))
        return losses

    expected = []
    model.head.loss = recording_loss
    model.loss = recording_classifier_loss
    runner.train()
    assert len(seen) == 3 and len(expected) == 3
    for got, want in zip(seen, expected):
        assert torch.allclose(torch.stack(got), want, atol=1e-5)
        assert not torch.allclose(torch.stack(got).max(1).values, torch.ones(len(got)))
    assert logged(tmp_path, 'align_gap') and logged(tmp_path, 'loss_neg')
