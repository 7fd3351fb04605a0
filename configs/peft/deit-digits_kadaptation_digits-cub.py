# KAdaptation arm of the digits transfer-methods task. dim 64 with n = 8 terms: shared A_i 8x8,
# per-layer B_i 8x8, rank 1. Trainable: 4 x (4x64 + 64) + 4x64 = 1,536 + the 650 head.
_base_ = ['./deit-digits_finetune_digits-cub.py']
model = dict(backbone=dict(
    _delete_=True, type='KAdaptationModel', module={{_base_.model.backbone}}, num_terms=8,
    scale=160.0, drop_rate=0.5, targets=['qkv']))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
