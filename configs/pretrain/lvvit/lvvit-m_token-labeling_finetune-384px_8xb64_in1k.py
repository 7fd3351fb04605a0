# LV-ViT-M fine-tuned at 384 px with token labeling (published 85.4 top-1). The authors' README
# gives a fine-tune command for S at 384 px only, and for any resolution the rule
# `--img-size N --token-label-size N/16`: this config is the S recipe
# (lvvit-s_token-labeling_finetune-384px_8xb64_in1k.py: lr 5e-6 constant after 5 warm-up
# epochs, wd 1e-8, batch 512, 300 + 10 epochs, no EMA) at 384 px with M's width and drop path
# (0.2), a 24x24 token-label grid and M's test crop ratio 1.0: an extrapolation, not a
# released command.
#   bash tools/dist_train.sh \
#       configs/pretrain/lvvit/lvvit-m_token-labeling_finetune-384px_8xb64_in1k.py 8 \
#       --cfg-options load_from=work_dirs/lvvit-m_token-labeling_8xb128_in1k/epoch_310.pth
_base_ = ['./lvvit-s_token-labeling_finetune-384px_8xb64_in1k.py']
img_size = 384
load_from = 'work_dirs/lvvit-m_token-labeling_8xb128_in1k/epoch_310.pth'
model = dict(backbone=dict(arch='m', drop_path_rate=0.2),
             head=dict(in_channels=512))

# the S config's training pipeline (384 px, 24x24 token labels); M tests at crop ratio 1.0
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=img_size, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
