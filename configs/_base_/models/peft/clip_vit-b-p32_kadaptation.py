# KAdaptation of CLIP ViT-B/32 with the paper's settings: n = 32 Kronecker terms (shared A_i
# 32x32, per-layer B_i 24x24, all rank 1), scale 160, dropout 0.5 on the Kronecker sum, one
# per-layer bias on the q and v outputs. Trainable: 12 x (4x768 + 768) + 4x1024 = 50,176 + head.
_base_ = ['./clip_vit-b-p32.py']
model = dict(backbone=dict(
    _delete_=True, type='KAdaptationModel', module={{_base_.clip_backbone}}, num_terms=32,
    scale=160.0, drop_rate=0.5, targets=[dict(type='qkv')],
    init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='backbone.')))
