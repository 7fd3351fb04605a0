# A tiny LV-ViT classifier for the digits data (CPU tests): 32 px input, the arch of
# lvvit_digits_arch.py.
# Token labeling: TokenLabelingClassifier (MixToken on the token embeddings) + TokenLabelingHead;
# the leaf configs add MixRecordingDataPreprocessor, which keeps MixToken's record. PyTorch's
# default init (init_cfg=[]), as the digits DeiT: trunc-normal 0.02 suits 300 ImageNet epochs.
_base_ = ['./lvvit_digits_arch.py']

model = dict(
    type='TokenLabelingClassifier',
    backbone=dict(type='LVViT', arch={{_base_.lvvit_digits_arch}}, img_size=32,
                  patch_size={{_base_.lvvit_digits_patch_size}}, out_type='raw', drop_path_rate=0.0,
                  init_cfg=[]),
    neck=None,
    head=dict(
        type='TokenLabelingHead', num_classes=10, in_channels=64, cls_weight=1.0,
        dense_weight=1.0, init_cfg=None,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    train_cfg=dict(augments=[dict(type='MixToken', alpha=1.0,
                                  token_size={{_base_.lvvit_digits_patch_size}})]),
)
