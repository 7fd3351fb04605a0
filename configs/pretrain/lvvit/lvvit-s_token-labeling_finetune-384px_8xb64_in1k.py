# LV-ViT-S fine-tuned at 384 px with token labeling, the authors' README command (published 84.4
# top-1): `--model lvvit_s -b 64 --img-size 384 --drop-path 0.1 --token-label
# --token-label-size 24 --lr 5.e-6 --min-lr 5.e-6 --weight-decay 1.e-8 --finetune CKPT` on 8
# GPUs, every other value main.py's default: 300 epochs + 10 cool-down epochs, 5 warm-up epochs
# from 1e-6, then the lr constant at 5e-6 (lr = min-lr), batch 512, RandAugment m9-mstd0.5,
# random erasing 0.25, MixToken, no EMA (the command has no --model-ema); testing at crop ratio
# 0.9 (lvvit_s's default_cfg). The README names no epoch count, so this follows main.py's 300;
# `--cfg-options train_cfg.max_epochs=N` shortens it. The whole 224 px classifier is loaded
# (`load_from`; the position embedding is resized to the 24x24 grid).
#   bash tools/dist_train.sh \
#       configs/pretrain/lvvit/lvvit-s_token-labeling_finetune-384px_8xb64_in1k.py 8 \
#       --cfg-options load_from=work_dirs/lvvit-s_token-labeling_8xb128_in1k/epoch_310.pth
_base_ = ['./lvvit-s_token-labeling_8xb128_in1k.py']
img_size, test_crop_ratio, token_label_size = 384, 0.9, 24
per_gpu, lr, warmup_lr, warmup_epochs = 64, 5e-6, 1e-6, 5
load_from = 'work_dirs/lvvit-s_token-labeling_8xb128_in1k/epoch_310.pth'
model = dict(backbone=dict(img_size=img_size))

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

optim_wrapper = dict(optimizer=dict(lr=lr, weight_decay=1e-8))
# warm-up from 1e-6 to 5e-6, then constant (cosine from 5e-6 to min-lr 5e-6 is flat)
param_scheduler = [
    dict(type='LinearLR', start_factor=warmup_lr / lr, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=300 + 10)
auto_scale_lr = dict(base_batch_size=8 * per_gpu)
custom_hooks = []  # no EMA in the fine-tune command
