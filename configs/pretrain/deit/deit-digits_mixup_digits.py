# Mixup baseline: tiny DeiT on the digits data with mmpretrain's plain Mixup (alpha 0.8, DeiT's
# value); everything else is the CutMix baseline's recipe.
_base_ = ['./deit-digits_cutmix_digits.py']

model = dict(train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8)]))
