# Full fine-tuning of raw CLIP ViT-B/32: the image tower and the projection train with the head.
_base_ = ['./clip_vit-b-p32_openai.py']
model = dict(neck=dict(frozen=False))
