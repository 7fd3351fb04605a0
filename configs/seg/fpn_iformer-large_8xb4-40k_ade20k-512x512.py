# Semantic FPN + iFormer-large on ADE20K, the PoolFormer recipe the iFormer paper follows (S: 48.6
# mIoU): mmseg's PoolFormer Semantic FPN config with the backbone swapped; 512x512 crops, 40k
# iterations, 8 GPUs x 4 images, AdamW lr 2e-4, wd 1e-4, poly 0.9. Dataset: $ADE20K_ROOT
# (default data/ade/ADEChallengeData2016).
#   bash tools/dist_train.sh configs/seg/fpn_iformer-large_8xb4-40k_ade20k-512x512.py 8
# Checkpoint: `pretrained` (default: the Mixup+CutMix pre-training's last epoch).
_base_ = ['mmseg::poolformer/fpn_poolformer_s12_8xb4-40k_ade20k-512x512.py']
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/iformer-large_mixup-cutmix_8xb128_in1k/epoch_310.pth'
data_root = '{{$ADE20K_ROOT:data/ade/ADEChallengeData2016}}'
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.IFormer',
        arch='large',
        img_size=224,
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.4,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[96, 192, 448, 640]),
)
train_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
