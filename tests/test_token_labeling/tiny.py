"""Tiny LV-ViT token-labeling models and batches shared by the token-labeling tests."""
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import tlalign_mm  # noqa: F401  (registration)

NUM_CLASSES = 8
TINY_ARCH = dict(embed_dims=32, num_layers=3, num_heads=2, feedforward_channels=96,
                 res_scale=2.0, stem_channels=8)


def tiny_classifier(augment=None, backbone=None):
    """TokenLabelingClassifier on 32 px inputs, 8 px tokens (a 4x4 grid)."""
    backbone = backbone or dict(type='LVViT', arch=TINY_ARCH, img_size=32, patch_size=8)
    preprocessor = dict(type='MixRecordingDataPreprocessor', num_classes=NUM_CLASSES,
                        mean=[127.5] * 3, std=[64.0] * 3)
    if augment is not None:
        preprocessor['batch_augments'] = dict(augments=[augment])
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TokenLabelingClassifier', data_preprocessor=preprocessor, backbone=backbone,
        head=dict(type='TokenLabelingHead', num_classes=NUM_CLASSES, in_channels=32)))
    with torch.no_grad():  # peaked attention, so that labels really move between tokens
        for name, param in model.backbone.named_parameters():
            if 'qkv.weight' in name:
                param.normal_(0, 0.5)
    return model


def score_map_batch(batch=4, grid=4):
    """Images with distinct content and, per image, its own dense target: image b's token i has
    logits (2 + i/4) for class b and 1 for class b + 4 (sparse token-logit form)."""
    torch.manual_seed(1)
    inputs = [torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8) for _ in range(batch)]
    samples = []
    for b in range(batch):
        sample = DataSample().set_gt_label(b)
        tokens = grid * grid
        logits = torch.stack([2 + torch.arange(tokens) / 4.0, torch.ones(tokens)])
        sample.set_field(logits.half(), 'token_logits')
        sample.set_field(torch.tensor([b, b + 4]), 'token_classes')
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def dense_of(sample, tokens=16):
    """The (N, K) softmax target the score-map sample stands for (every other class logit 0)."""
    dense = torch.zeros(tokens, NUM_CLASSES)
    dense[:, sample.token_classes] = sample.token_logits.float().t()
    return dense.softmax(-1)
