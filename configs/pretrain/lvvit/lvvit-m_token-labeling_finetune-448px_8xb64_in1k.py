# LV-ViT-M fine-tuned at 448 px with token labeling (published 85.5 top-1). The authors' README
# gives a fine-tune command for S at 384 px only, and for any resolution the rule
# `--img-size N --token-label-size N/16`: this config is the S recipe
# (lvvit-s_token-labeling_finetune-384px_8xb64_in1k.py: lr 5e-6 constant after 5 warm-up
# epochs, wd 1e-8, batch 512, 300 + 10 epochs, no EMA) at 448 px with M's width and drop path
# (0.2), a 28x28 token-label grid and M's test crop ratio 1.0: an extrapolation, not a
# released command.
#   bash tools/dist_train.sh \
#       configs/pretrain/lvvit/lvvit-m_token-labeling_finetune-448px_8xb64_in1k.py 8 \
#       --cfg-options load_from=work_dirs/lvvit-m_token-labeling_8xb128_in1k/epoch_310.pth
_base_ = ['./lvvit-s_token-labeling_finetune-384px_8xb64_in1k.py']
per_gpu = 64
img_size, test_crop_ratio, token_label_size = 448, 1.0, 28
load_from = 'work_dirs/lvvit-m_token-labeling_8xb128_in1k/epoch_310.pth'
model = dict(backbone=dict(arch='m', img_size=img_size, drop_path_rate=0.2),
             head=dict(in_channels=512))

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
         rand_augment=dict(policies='timm_increasing', num_policies=2, total_level=10,
                           magnitude_level=9, magnitude_std=0.5,
                           hparams=dict(pad_val=[round(x) for x in bgr_mean],
                                        interpolation='bicubic')),
         crop=dict(scale=img_size, backend='pillow', interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=bgr_std),
    dict(type='TokenLabelTargets', grid_size=token_label_size, num_classes=1000),
    dict(type='PackInputs', algorithm_keys=('token_logits', 'token_classes')),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=int(img_size / test_crop_ratio), edge='short',
         backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=per_gpu, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=per_gpu, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

