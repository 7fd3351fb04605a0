# The KAdaptation paper's LoRA baseline: rank-4 updates of W_q and W_v separately (W_k and
# everything else frozen), alpha 128, on every block's fused qkv.
# Trainable: 12 x 2 x (4x768 + 768x4) = 147,456 + head.
_base_ = ['./clip_vit-b-p32.py']
model = dict(backbone=dict(
    _delete_=True, type='QVLoRAModel', module={{_base_.clip_backbone}}, alpha=128, rank=4,
    drop_rate=0.0, targets=[dict(type='qkv')],
    init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='backbone.')))
