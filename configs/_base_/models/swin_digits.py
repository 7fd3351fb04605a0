# A Swin-shaped classifier small enough for CPU tests: 32x32 input, two stages of two blocks.
# Same neck and head as mmpretrain's swin_transformer/*_224.py configs (global average pooling,
# linear head, label smoothing 0.1); the default (PyTorch/mmcv) init, as for the DeiT digits model.
_base_ = ['./swin_digits_arch.py']

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='SwinTransformer',
        arch={{_base_.swin_digits_arch}},
        img_size=32,
        patch_size={{_base_.swin_digits_patch_size}},
        window_size={{_base_.swin_digits_window_size}},
        out_indices=(1, ),
        drop_path_rate=0.0),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
)
