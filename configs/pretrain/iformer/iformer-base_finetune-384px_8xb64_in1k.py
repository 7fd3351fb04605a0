# iFormer-B fine-tuned at 384 px (checkpoint_384/iformer_base_384/args.yaml; 85.7 top-1): the
# iFormer-S 384 px recipe with lr 5e-6 to a minimum of 5e-7, drop path 0.5 and repeated
# augmentation (aug_repeats 3).
#   bash tools/dist_train.sh configs/pretrain/iformer/iformer-base_finetune-384px_8xb64_in1k.py 8 \
#       --cfg-options load_from=work_dirs/iformer-base_mixup-cutmix_8xb128_in1k/epoch_310.pth
_base_ = ['./iformer-small_finetune-384px_8xb64_in1k.py']
lr, min_lr = 5e-6, 5e-7
load_from = 'work_dirs/iformer-base_mixup-cutmix_8xb128_in1k/epoch_310.pth'
model = dict(backbone=dict(arch='base', drop_path_rate=0.5), head=dict(in_channels=512))
train_dataloader = dict(sampler=dict(type='RepeatAugSampler', shuffle=True, num_repeats=3))
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=min_lr, by_epoch=True, begin=0, end=20,
         convert_to_iter_based=True),
]
