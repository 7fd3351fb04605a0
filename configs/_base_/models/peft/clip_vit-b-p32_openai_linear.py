# Linear probe on raw CLIP ViT-B/32's 512-d embedding: the image tower (frozen_stages=12) and the
# projection stay frozen; only the text-initialised head trains.
_base_ = ['./clip_vit-b-p32_openai.py']
model = dict(backbone=dict(frozen_stages=12))
