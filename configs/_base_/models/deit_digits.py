# A DeiT-shaped ViT small enough for CPU tests: 32x32 input, 8x8 patches (4x4 grid), 4 blocks.
# Same classes and head as mmpretrain's deit-* configs. The default (PyTorch/mmcv) init replaces
# DeiT's TruncNormal(0.02): that init suits 300 ImageNet epochs, not a few hundred CPU steps.
_base_ = ['./deit_digits_arch.py']

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch={{_base_.deit_digits_arch}},
        img_size=32,
        patch_size={{_base_.deit_digits_patch_size}},
        drop_path_rate=0.0),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
)
