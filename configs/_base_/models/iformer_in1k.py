# iFormer classifier on ImageNet-1k as the authors build it: IFormer backbone (its final
# LayerNorm is norm3), global average pooling, a linear head; label smoothing 0.1; every Linear
# and conv trunc-normal(0.02), the head included. Leaf configs set the arch, the head width and
# the drop path.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='IFormer', arch='small', img_size=224, drop_path_rate=0.2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=384,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=dict(type='TruncNormal', layer='Linear', std=0.02)),
    train_cfg=dict(
        augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)],
        probs=[0.5, 0.5]),
)
