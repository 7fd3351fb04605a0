# LV-ViT-S without token labeling: class-token head only (ImageClassifier + LinearClsHead) and
# DeiT's Mixup 0.8 + CutMix 1.0 in place of MixToken; otherwise the token-labeling recipe
# (lr 1.6e-3 at total batch 1024, scaled by this config's total batch).
_base_ = ['./lvvit-s_token-labeling_8xb128_in1k.py']
data_preprocessor = dict(type='ClsDataPreprocessor')
model = dict(
    type='ImageClassifier',
    backbone=dict(out_type='cls_token'),
    head=dict(_delete_=True, type='LinearClsHead', num_classes=1000, in_channels=384,
              init_cfg=dict(type='TruncNormal', layer='Linear', std=0.02),
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]),
)
bgr_mean = [103.53, 116.28, 123.675]
bgr_std = [57.375, 57.12, 58.395]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=bgr_std),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
