# Paper-scale benchmark, Swin-T: CutMix vs TL-Align on ImageNet-1k (300 epochs), transferred to
# ADE20K (UperNet 160k), COCO (Mask R-CNN 1x) and five fine-grained datasets.
# (TransMix is defined for a class token; Swin has none, so it is not an arm here.)
# Every arm is pre-trained with dist_train.sh on `gpus` GPUs, then each checkpoint goes through the
# same downstream configs (only `pretrained=` differs). Datasets are found through
# $IMAGENET_ROOT, $ADE20K_ROOT, $COCO_ROOT, $CUB_ROOT, $STANFORD_CARS_ROOT, $FLOWERS102_ROOT,
# $FGVC_AIRCRAFT_ROOT and $CIFAR100_ROOT (defaults under ./data); a missing one stops the run
# before anything trains.
#   python tools/benchmark.py \
#       configs/benchmarks/swin-tiny_in1k_transfer.py \
#       --work-dir work_dirs/bench_swin-tiny
# Select a subset with --arms / --tasks (e.g. --tasks classification ade20k).
arms = dict(
    cutmix=dict(pretrain='configs/pretrain/swin/swin-tiny_cutmix_8xb128_in1k.py',
                label='CutMix'),
    tlalign=dict(pretrain='configs/pretrain/swin/swin-tiny_tlalign_8xb128_in1k.py',
                 label='TL-Align'),
)
tasks = dict(
    classification=dict(type='pretrain', metric='accuracy/top1', label='ImageNet-1k top-1'),
    ade20k=dict(
        type='transfer', config='configs/seg/upernet_swin-tiny_8xb2-160k_ade20k-512x512.py',
        metric='mIoU', label='ADE20K mIoU'),
    coco=dict(
        type='transfer', config='configs/det/mask-rcnn_swin-tiny_fpn_1x_coco.py',
        metric='coco/bbox_mAP', label='COCO box AP'),
    cub=dict(
        type='transfer', config='configs/fgvc/swin-tiny_finetune_cub-224.py',
        metric='accuracy/top1', label='CUB-200-2011'),
    cars=dict(
        type='transfer', config='configs/fgvc/swin-tiny_finetune_stanford-cars-224.py',
        metric='accuracy/top1', label='Stanford Cars'),
    flowers=dict(
        type='transfer', config='configs/fgvc/swin-tiny_finetune_flowers102-224.py',
        metric='accuracy/top1', label='Flowers-102'),
    aircraft=dict(
        type='transfer', config='configs/fgvc/swin-tiny_finetune_fgvc-aircraft-224.py',
        metric='accuracy/top1', label='FGVC-Aircraft'),
    cifar100=dict(
        type='transfer', config='configs/fgvc/swin-tiny_finetune_cifar100-224.py',
        metric='accuracy/top1', label='CIFAR-100'),
)
seeds = [0]
gpus = 8
