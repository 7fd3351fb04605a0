# Linear-probing schedule for the fine-grained transfer configs (the backbone is frozen by the
# *_frozen model bases). Recipe: DINO's linear evaluation of ViT features (SGD momentum 0.9,
# no weight decay, cosine to 0 over 100 epochs, no warm-up, lr 0.001 x batch / 256 = 0.003 at
# 768). The stable lr of a probe is set by the frozen features' scale, not by the fine-tuning
# lr. Linear probes are usually swept over lr per dataset: override it with
# --cfg-options optim_wrapper.optimizer.lr=...
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.003, momentum=0.9, weight_decay=0.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=0,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=768)
