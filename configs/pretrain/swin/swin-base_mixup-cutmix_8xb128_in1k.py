# Swin-B published baseline (Swin paper, Liu et al. 2021: 83.5 top-1), the row that TL-Align's
# gain is measured against: swin-base_cutmix_8xb128_in1k.py with, instead of CutMix on every batch,
# Swin's batch mixing: Mixup alpha 0.8 or CutMix alpha 1.0, one of the two per batch with
# probability 0.5 each (timm's mixup_switch_prob=0.5): mmpretrain's stock Swin recipe.
#   bash tools/dist_train.sh configs/pretrain/swin/swin-base_mixup-cutmix_8xb128_in1k.py 8
_base_ = ['./swin-base_cutmix_8xb128_in1k.py']
model = dict(
    train_cfg=dict(
        augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)],
        probs=[0.5, 0.5]))
