# The embedded demo: digits data that ships with scikit-learn (made on first run), the tiny DeiT,
# CutMix baseline vs TL-Align vs TransMix, transferred to classification / segmentation /
# detection / fine-grained. Sized for about ten minutes on two CPU cores.
#   python tools/benchmark.py configs/benchmarks/demo.py
arms = dict(
    cutmix=dict(pretrain='configs/pretrain/deit/deit-digits_cutmix_digits.py',
                label='CutMix'),
    tlalign=dict(pretrain='configs/pretrain/deit/deit-digits_tlalign_digits.py',
                 label='TL-Align'),
    transmix=dict(pretrain='configs/pretrain/deit/deit-digits_transmix_digits.py',
                  label='TransMix'),
)
tasks = dict(
    classification=dict(type='pretrain', metric='accuracy/top1', label='Digits cls'),
    segmentation=dict(type='transfer', config='configs/seg/upernet_deit-digits_digits-ade20k.py',
                      metric='mIoU', label='ADE20K-fmt seg'),
    detection=dict(type='transfer', config='configs/det/mask-rcnn_deit-digits_digits-coco.py',
                   metric='coco/bbox_mAP', label='COCO-fmt det'),
    fine_grained=dict(type='transfer', config='configs/fgvc/deit-digits_finetune_digits-cub.py',
                      metric='accuracy/top1', label='CUB-fmt fgvc'),
)
seeds = [0]
data = dict(root='data', make_digits=True)   # $TLALIGN_DATA_ROOT overrides the root
_loaders = ['train_dataloader', 'val_dataloader', 'test_dataloader']
cfg_options = dict(
    # Two cores: loading in the main process is faster than worker processes here.
    all=[f'{d}.num_workers=0' for d in _loaders] +
    [f'{d}.persistent_workers=False' for d in _loaders],
    segmentation=['train_cfg.max_iters=150', 'train_cfg.val_interval=150',
                  'default_hooks.checkpoint.interval=150', 'param_scheduler.1.end=150'],
    detection=['train_cfg.max_epochs=4', 'train_cfg.val_interval=4',
               'default_hooks.checkpoint.interval=4'],
)
