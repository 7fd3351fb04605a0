# Linear probe of CLIP ViT-B/32: VisionTransformer(frozen_stages=12) freezes the patch
# embedding, tokens, CLIP's pre-norm, all 12 blocks and the final norm; only the head trains.
_base_ = ['./clip_vit-b-p32.py']
model = dict(backbone=dict(frozen_stages=12))
