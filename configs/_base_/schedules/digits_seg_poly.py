# The tiny segmentation schedule shared by the digits UperNet configs (any backbone): 500
# iterations, linear warm-up then poly decay, one validation and checkpoint at the end.
max_iters = 500
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=40),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=40, end=max_iters, by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters))
randomness = dict(seed=0)
