# LV-ViT-T with token labeling on ImageNet-1k (79.1 top-1, 8.5M parameters); the LV-ViT-S recipe
# with the T arch (12 blocks of 240, 4 heads, residual scale 1).
_base_ = ['./lvvit-s_token-labeling_8xb128_in1k.py']
arch, embed_dims = 't', 240
model = dict(backbone=dict(arch=arch), head=dict(in_channels=embed_dims))
