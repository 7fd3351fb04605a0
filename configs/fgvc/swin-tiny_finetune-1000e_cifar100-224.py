# Swin-T full fine-tuning on CIFAR-100 at 224 px, 100 classes, with DeiT's transfer protocol:
# 1000 epochs at batch 768 (8 GPUs x 96), SGD lr 0.01, the ImageNet recipe's RandAugment,
# Mixup/CutMix and label smoothing kept, random erasing and drop path removed (see
# ../_base_/fgvc_deit_transfer_protocol.py). The cheaper 100-epoch variant without the ImageNet
# augmentation is swin-tiny_finetune_cifar100-224.py.
#   bash tools/dist_train.sh configs/fgvc/swin-tiny_finetune-1000e_cifar100-224.py 8
# Checkpoint: `pretrained` below, by default the CutMix-baseline pre-training's last epoch;
# the TL-Align arm runs this same file with
#   --cfg-options pretrained=work_dirs/swin-tiny_tlalign_8xb128_in1k/epoch_300.pth
# Data: $CIFAR100_ROOT (default data/cifar100).
_base_ = [
    '../_base_/datasets/fgvc/cifar100_224.py',
    '../_base_/models/fgvc_swin-tiny.py',
    '../_base_/fgvc_deit_transfer_protocol.py',
    '../_base_/fgvc_runtime.py',
]

pretrained = 'work_dirs/swin-tiny_cutmix_8xb128_in1k/epoch_300.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(num_classes={{_base_.fgvc_num_classes}}),
    train_cfg={{_base_.fgvc_deit_batch_augments}},
)
train_dataloader = dict(
    sampler={{_base_.fgvc_deit_sampler}},
    dataset=dict(pipeline={{_base_.fgvc_deit_cifar_train_pipeline}}))
