# Swin-T for linear probing: the whole backbone frozen with mmpretrain's own mechanism.
# SwinTransformer(frozen_stages=3) freezes the patch embedding, all four stages and the output
# norm and keeps them in eval mode; only the head's linear layer trains (plain cross entropy).
_base_ = ['./fgvc_swin-tiny.py']

model = dict(
    backbone=dict(frozen_stages=3),
    head=dict(loss=dict(_delete_=True, type='CrossEntropyLoss', loss_weight=1.0)),
)
# Unlike VisionTransformer, SwinTransformer freezes in train(), i.e. after the runner has wrapped
# the model in DistributedDataParallel with every parameter registered; DDP then waits for
# gradients that never come and fails at the second iteration. Let DDP find the unused ones.
find_unused_parameters = True
