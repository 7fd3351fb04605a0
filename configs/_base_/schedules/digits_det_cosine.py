# The tiny detection schedule shared by the digits Mask R-CNN configs (any backbone): 7 epochs,
# iteration warm-up then cosine decay, one validation at the end. The checkpoint interval stays
# in the leaf configs (mmdet's default_runtime owns default_hooks).
max_epochs = 7
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, eta_min=1e-5),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
randomness = dict(seed=0)
