# Swin-S on ImageNet-1k: mmpretrain's Swin recipe (AdamW lr 1e-3 for batch 1024, wd 0.05, cosine,
# 20 warm-up epochs, drop path 0.3, RandAugment m9-mstd0.5, random erasing 0.25, label smoothing
# 0.1, grad clip 5, 300 epochs) with plain area-ratio CutMix (alpha 1) on every batch in place of
# the stock Mixup/CutMix switch: the baseline that swin-small_tlalign_8xb128_in1k.py differs
# from only in how the CutMix label is computed. 8 GPUs x 128 = 1024 (the stock 16 x 64).
#   bash tools/dist_train.sh configs/pretrain/swin/swin-small_cutmix_8xb128_in1k.py 8
# ImageNet folder: $IMAGENET_ROOT (default data/imagenet) with train/, val/, meta/{train,val}.txt.
_base_ = ['mmpretrain::swin_transformer/swin-small_16xb64_in1k.py']
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

imagenet_root = '{{$IMAGENET_ROOT:data/imagenet}}'
model = dict(train_cfg=dict(augments=[dict(type='CutMix', alpha=1.0)]))
train_dataloader = dict(batch_size=128, num_workers=8, dataset=dict(data_root=imagenet_root))
val_dataloader = dict(batch_size=128, num_workers=8, dataset=dict(data_root=imagenet_root))
test_dataloader = val_dataloader
