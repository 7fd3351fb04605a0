# The full embedded demo (`make demo-full`): every digits arm (from scratch, the Mixup, Cutout
# and CutMix baselines, TransMix, TL-Align) x 3 seeds x classification, UperNet segmentation,
# Mask R-CNN detection and CUB-format fine-grained transfer. The arms share everything but the
# pre-training augmentation (configs/pretrain/deit/deit-digits_*_digits.py); CutMix is the
# baseline of the paired comparisons. Sized for under an hour on two CPU cores (docs/demo.md).
#   python tools/benchmark.py configs/benchmarks/demo_full.py
_base_ = ['./demo.py']

arms = dict(
    _delete_=True,
    scratch=dict(pretrain=None, label='From scratch'),
    mixup=dict(pretrain='configs/pretrain/deit/deit-digits_mixup_digits.py', label='Mixup'),
    cutout=dict(pretrain='configs/pretrain/deit/deit-digits_cutout_digits.py', label='Cutout'),
    cutmix=dict(pretrain='configs/pretrain/deit/deit-digits_cutmix_digits.py',
                label='CutMix'),
    transmix=dict(pretrain='configs/pretrain/deit/deit-digits_transmix_digits.py',
                  label='TransMix'),
    tlalign=dict(pretrain='configs/pretrain/deit/deit-digits_tlalign_digits.py',
                 label='TL-Align'),
)
tasks = dict(
    _delete_=True,
    classification=dict(type='pretrain', metric='accuracy/top1', label='Digits cls'),
    segmentation=dict(type='transfer', config='configs/seg/upernet_deit-digits_digits-ade20k.py',
                      metric='mIoU', label='ADE20K-fmt seg'),
    detection=dict(type='transfer', config='configs/det/mask-rcnn_deit-digits_digits-coco.py',
                   metric='coco/bbox_mAP', label='COCO-fmt det'),
    fine_grained=dict(type='transfer', config='configs/fgvc/deit-digits_finetune_digits-cub.py',
                      metric='accuracy/top1', label='CUB-fmt fgvc'),
)
seeds = [0, 1, 2]
# merged into the quick profile's options: the two further tasks skip validation too
cfg_options = dict(
    detection=['train_cfg.val_begin=100000'],
    fine_grained=['train_cfg.val_begin=100000'],
)
