# LV-ViT-L with token labeling on ImageNet-1k: stem width 128, residual scale 3, drop path 0.3,
# lr 1e-3 at total batch 1024 (scaled by this config's total batch), RandAugment with three ops
# per image (the authors' README: --aa rand-n3-m9-mstd0.5-inc1; S/M draw two), test crop ratio 1.0,
# trained at 288 px (an 18x18 token grid; RoIAlign crops the score maps to it). The published
# 86.2 top-1 is after fine-tuning at 448 px.
_base_ = ['./lvvit-s_token-labeling_8xb128_in1k.py']
arch, embed_dims, drop_path_rate = 'l', 768, 0.3
img_size = 288
gpus, per_gpu = 8, 128
lr = 1e-3 * gpus * per_gpu / 1024
model = dict(backbone=dict(arch=arch, img_size=img_size, drop_path_rate=drop_path_rate),
             head=dict(in_channels=embed_dims))
optim_wrapper = dict(optimizer=dict(lr=lr))

token_label_root = '{{$TOKEN_LABEL_ROOT:data/imagenet_score_maps}}'
bgr_mean = [103.53, 116.28, 123.675]
bgr_std = [57.375, 57.12, 58.395]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadScoreMap', root=token_label_root, num_classes=1000),
    dict(type='ScoreMapRandomFlip', prob=0.5, direction='horizontal'),
    # RandAugment on the whole image, then the crop (the authors' order), computed where the
    # crop looks: the same result as ScoreMapRandAugment followed by ScoreMapRandomResizedCrop.
    dict(type='ScoreMapAugmentedCrop',
         rand_augment=dict(policies='timm_increasing', num_policies=3, total_level=10,
                           magnitude_level=9, magnitude_std=0.5,
                           hparams=dict(pad_val=[round(x) for x in bgr_mean],
                                        interpolation='bicubic')),
         crop=dict(scale=img_size, backend='pillow', interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=bgr_std),
    dict(type='TokenLabelTargets', grid_size=img_size // 16, num_classes=1000),
    dict(type='PackInputs', algorithm_keys=('token_logits', 'token_classes')),
]
test_pipeline = [  # crop ratio 1.0
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=img_size, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
