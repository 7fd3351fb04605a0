# q/v LoRA arm of the digits transfer-methods task (the KAdaptation paper's LoRA: rank 4, alpha
# 128, W_q and W_v of every block). Trainable: 4 x 2 x (4x64 + 64x4) = 4,096 + the 650 head.
_base_ = ['./deit-digits_finetune_digits-cub.py']
model = dict(backbone=dict(
    _delete_=True, type='QVLoRAModel', module={{_base_.model.backbone}}, alpha=128, rank=4,
    drop_rate=0.0, targets=[dict(type='qkv')]))
# lr swept on seed 0 (1e-3 / 3e-3 / 1e-2: 23 / 28 / 12 %).
optim_wrapper = dict(optimizer=dict(lr=3e-3))
