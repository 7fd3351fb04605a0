# Paper-scale benchmark, DeiT-S: Mixup+CutMix vs CutMix vs TL-Align vs TransMix on ImageNet-1k
# (300 epochs), transferred to ADE20K (UperNet 160k), COCO (Mask R-CNN 1x) and five fine-grained
# datasets (DeiT's 1000-epoch transfer protocol).
# Every arm is pre-trained with dist_train.sh on `gpus` GPUs, then each checkpoint goes through the
# same downstream configs (only `pretrained=` differs). Datasets are found through
# $IMAGENET_ROOT, $ADE20K_ROOT, $COCO_ROOT, $CUB_ROOT, $STANFORD_CARS_ROOT, $FLOWERS102_ROOT,
# $FGVC_AIRCRAFT_ROOT and $CIFAR100_ROOT (defaults under ./data); a missing one stops the run
# before anything trains.
#   python tools/benchmark.py \
#       configs/benchmarks/deit-small_in1k_transfer.py \
#       --work-dir work_dirs/bench_deit-small
# Select a subset with --arms / --tasks (e.g. --tasks classification ade20k).
# Which row reproduces which published number (see docs/reproduction.md): `mixup-cutmix` is the
# published DeiT-S baseline (DeiT's recipe, 79.8 top-1); `tlalign` the TL-Align row (80.6, the
# authors' recipe: token-CutMix on every batch, Mixup off); `cutmix` the controlled ablation (the
# TL-Align recipe with the area-ratio label; no published number); `transmix` the TransMix peer.
arms = {
    'mixup-cutmix': dict(
        pretrain='configs/pretrain/deit/deit-small_mixup-cutmix_8xb128_in1k.py',
        label='Mixup+CutMix (published 79.8)'),
    'cutmix': dict(pretrain='configs/pretrain/deit/deit-small_cutmix_8xb128_in1k.py',
                   label='CutMix only (ablation)'),
    'tlalign': dict(pretrain='configs/pretrain/deit/deit-small_tlalign_8xb128_in1k.py',
                    label='TL-Align (published 80.6)'),
    'transmix': dict(pretrain='configs/pretrain/deit/deit-small_transmix_8xb128_in1k.py',
                     label='TransMix'),
}
tasks = dict(
    classification=dict(type='pretrain', metric='accuracy/top1', label='ImageNet-1k top-1'),
    ade20k=dict(
        type='transfer', config='configs/seg/upernet_deit-small_8xb2-160k_ade20k-512x512.py',
        metric='mIoU', label='ADE20K mIoU'),
    coco=dict(
        type='transfer', config='configs/det/mask-rcnn_deit-small_fpn_1x_coco.py',
        metric='coco/bbox_mAP', label='COCO box AP'),
    cub=dict(
        type='transfer', config='configs/fgvc/deit-small_finetune-1000e_cub-224.py',
        metric='accuracy/top1', label='CUB-200-2011'),
    cars=dict(
        type='transfer', config='configs/fgvc/deit-small_finetune-1000e_stanford-cars-224.py',
        metric='accuracy/top1', label='Stanford Cars'),
    flowers=dict(
        type='transfer', config='configs/fgvc/deit-small_finetune-1000e_flowers102-224.py',
        metric='accuracy/top1', label='Flowers-102'),
    aircraft=dict(
        type='transfer', config='configs/fgvc/deit-small_finetune-1000e_fgvc-aircraft-224.py',
        metric='accuracy/top1', label='FGVC-Aircraft'),
    cifar100=dict(
        type='transfer', config='configs/fgvc/deit-small_finetune-1000e_cifar100-224.py',
        metric='accuracy/top1', label='CIFAR-100'),
)
seeds = [0]
gpus = 8
