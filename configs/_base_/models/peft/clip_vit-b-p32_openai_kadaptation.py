# KAdaptation of raw CLIP ViT-B/32 with the paper's settings (n = 32, scale 160, dropout 0.5):
# 50,176 adapter parameters + the head; the projection stays frozen.
_base_ = ['./clip_vit-b-p32_openai.py']
model = dict(backbone=dict(
    _delete_=True, type='KAdaptationModel', module={{_base_.clip_backbone}}, num_terms=32,
    scale=160.0, drop_rate=0.5, targets=[dict(type='qkv')],
    init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='backbone.')))
