# An iFormer-shaped classifier small enough for CPU tests (32x32 input): the authors' classifier
# layout (final LayerNorm, global average pooling, linear head, label smoothing 0.1) on the tiny
# arch; the backbone's own init (trunc-normal 0.02), the head's mmpretrain default.
_base_ = ['./iformer_digits_arch.py']

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='IFormer',
        arch={{_base_.iformer_digits_arch}},
        img_size=32,
        out_indices=(3, ),
        drop_path_rate=0.0),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
)
