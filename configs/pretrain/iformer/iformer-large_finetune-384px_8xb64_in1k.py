# iFormer-L fine-tuned at 384 px (checkpoint_384/iformer_large_384/args.yaml; 85.8 top-1): the
# iFormer-S 384 px recipe (lr 1e-5 to 1e-6) with drop path 0.6 and repeated augmentation
# (aug_repeats 3).
#   bash tools/dist_train.sh configs/pretrain/iformer/iformer-large_finetune-384px_8xb64_in1k.py 8 \
#       --cfg-options load_from=work_dirs/iformer-large_mixup-cutmix_8xb128_in1k/epoch_310.pth
_base_ = ['./iformer-small_finetune-384px_8xb64_in1k.py']
load_from = 'work_dirs/iformer-large_mixup-cutmix_8xb128_in1k/epoch_310.pth'
model = dict(backbone=dict(arch='large', drop_path_rate=0.6), head=dict(in_channels=640))
train_dataloader = dict(sampler=dict(type='RepeatAugSampler', shuffle=True, num_repeats=3))
