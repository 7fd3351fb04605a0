# Linear-probe arm of the digits transfer-methods task: the tiny DeiT frozen by mmpretrain's own
# VisionTransformer(frozen_stages=4) (all 4 blocks, embeddings and final norm), only the head's
# 650 weights train, at a probe's larger learning rate (swept 1e-2/1e-1 on seed 0: 15 / 17 %).
_base_ = ['./deit-digits_finetune_digits-cub.py']
model = dict(backbone=dict(frozen_stages=4))
optim_wrapper = dict(optimizer=dict(lr=1e-1))
