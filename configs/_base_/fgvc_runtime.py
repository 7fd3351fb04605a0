# Runtime shared by the fine-grained transfer configs: mmpretrain's default runtime, our package
# registered, a checkpoint every 10 epochs (only the last kept: the reported number is the final
# epoch's test accuracy, not a best-of selected on the test split), and a fixed seed.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1),
)
randomness = dict(seed=0)
