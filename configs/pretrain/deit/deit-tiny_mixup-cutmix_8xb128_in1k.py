# DeiT-T published baseline (DeiT paper, Touvron et al. 2021: 72.2 top-1), the row that TL-Align's
# gain is measured against: deit-tiny_cutmix_8xb128_in1k.py with, instead of CutMix on every batch,
# DeiT's batch mixing: Mixup alpha 0.8 or CutMix alpha 1.0, one of the two per batch with
# probability 0.5 each (timm's mixup_switch_prob=0.5, as in mmpretrain's deit recipe).
#   bash tools/dist_train.sh configs/pretrain/deit/deit-tiny_mixup-cutmix_8xb128_in1k.py 8
_base_ = ['./deit-tiny_cutmix_8xb128_in1k.py']
model = dict(
    train_cfg=dict(
        augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)],
        probs=[0.5, 0.5]))
