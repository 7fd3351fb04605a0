# TL-Align x token labeling, LV-ViT-S on ImageNet-1k, no annotator and no score maps: MixToken,
# and the labels traced through every block's attention are the targets (each patch token's
# traced label the dense target, the class token's the class target: TokenLabelAlignHook).
# Otherwise the token-labeling recipe.
_base_ = ['./lvvit-s_baseline_8xb128_in1k.py']
data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(
    type='TokenLabelingClassifier',
    backbone=dict(out_type='raw'),
    head=dict(_delete_=True, type='TokenLabelingHead', num_classes=1000, in_channels=384,
              cls_weight=1.0, dense_weight=1.0,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    train_cfg=dict(augments=[dict(type='MixToken', alpha=1.0, token_size=16)], _delete_=True),
)
custom_hooks = [
    dict(type='EMAHook', momentum=1 - 0.99992, priority='ABOVE_NORMAL'),
    dict(type='TokenLabelAlignHook', label_mode='scalar'),
]
