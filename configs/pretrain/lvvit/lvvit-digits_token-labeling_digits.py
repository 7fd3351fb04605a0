# Token labeling on the digits data: tiny LV-ViT, MixToken, dense targets from score maps made by
# the digits DeiT teacher (configs/pretrain/deit/deit-digits_cutmix_digits.py or its TL-Align
# arm):
#   python tools/token_labeling/make_score_maps.py \
#       configs/pretrain/deit/deit-digits_tlalign_digits.py \
#       work_dirs/deit-digits_tlalign_digits/epoch_60.pth --img-size 32 \
#       --out data/digits_score_maps
#   TOKEN_LABEL_ROOT=data/digits_score_maps python tools/train.py \
#       configs/pretrain/lvvit/lvvit-digits_token-labeling_digits.py
# Validation runs the inference formula head(cls) + 0.5 max_i aux(x_i).
_base_ = [
    '../../_base_/models/lvvit_digits.py',
    '../../_base_/datasets/digits_imagenet.py',
    '../../_base_/schedules/digits_adamw.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

data_preprocessor = dict(type='MixRecordingDataPreprocessor')

token_label_root = '{{$TOKEN_LABEL_ROOT:data/digits_score_maps}}'
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadScoreMap', root=token_label_root, num_classes=10),
    dict(type='ScoreMapRandomResizedCrop', scale=32, crop_ratio_range=(0.85, 1.0),
         backend='pillow'),
    # The digits teacher is weak (its logits are small), so the class target also leans on the
    # ground truth (the authors' --ground-truth option, here a fixed 0.5 blend).
    dict(type='TokenLabelTargets', grid_size=4, num_classes=10, gt_weight=0.5),
    dict(type='PackInputs', algorithm_keys=('token_logits', 'token_classes')),
]))
train_cfg = dict(max_epochs=30, val_interval=10)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=False)
