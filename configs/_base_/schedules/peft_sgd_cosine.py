# The KAdaptation paper's transfer schedule, shared by its four methods (full fine-tune, linear
# probe, LoRA, KAdaptation): SGD momentum 0.9, no weight decay, linear warm-up then cosine to 0,
# fp32. The authors sweep lr over 1e-6 ... 1e-1 per dataset and method; each leaf config sets a
# default, override with --cfg-options optim_wrapper.optimizer.lr=...
optim_wrapper = dict(optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=2,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
