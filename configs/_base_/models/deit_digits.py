# A DeiT-shaped ViT small enough for CPU tests: 32x32 input, 4x4 patches (8x8 grid), 4 blocks.
# Same classes and heads as mmpretrain's deit-* configs; only the arch dict is tiny.
_base_ = ['./deit_digits_arch.py']

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch={{_base_.deit_digits_arch}},
        img_size=32,
        patch_size=4,
        drop_path_rate=0.0),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
    init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=.02),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
    ],
)
