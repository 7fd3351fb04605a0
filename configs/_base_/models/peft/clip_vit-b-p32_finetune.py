# Full fine-tuning of CLIP ViT-B/32: every weight trains (87.9M with a 1000-class head).
_base_ = ['./clip_vit-b-p32.py']
