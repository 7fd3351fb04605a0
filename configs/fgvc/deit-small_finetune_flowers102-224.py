# DeiT-S full fine-tuning on Oxford Flowers-102, 102 classes, 224 px, 8 GPUs x 96.
# The cheaper 100-epoch recipe (no RandAugment or batch mixing); DeiT's transfer protocol
# (1000 epochs, ImageNet augmentation kept) is deit-small_finetune-1000e_flowers102-224.py.
#   bash tools/dist_train.sh configs/fgvc/deit-small_finetune_flowers102-224.py 8
# Checkpoint: `pretrained` below, by default the CutMix-baseline pre-training's last epoch;
# the TL-Align arm runs this same file with
#   --cfg-options pretrained=work_dirs/deit-small_tlalign_8xb128_in1k/epoch_300.pth
# Data: $FLOWERS102_ROOT (default data/Flowers102).
_base_ = [
    '../_base_/datasets/fgvc/flowers102_224.py',
    '../_base_/models/fgvc_deit-small.py',
    '../_base_/schedules/fgvc_finetune.py',
    '../_base_/fgvc_runtime.py',
]

pretrained = 'work_dirs/deit-small_cutmix_8xb128_in1k/epoch_300.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(num_classes={{_base_.fgvc_num_classes}}),
)
