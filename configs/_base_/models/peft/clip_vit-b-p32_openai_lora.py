# The KAdaptation paper's LoRA baseline on raw CLIP ViT-B/32: rank-4 updates of W_q and W_v, alpha
# 128: 147,456 adapter parameters + the head; the projection stays frozen.
_base_ = ['./clip_vit-b-p32_openai.py']
model = dict(backbone=dict(
    _delete_=True, type='QVLoRAModel', module={{_base_.clip_backbone}}, alpha=128, rank=4,
    drop_rate=0.0, targets=[dict(type='qkv')],
    init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='backbone.')))
