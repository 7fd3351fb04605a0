"""Refuse to train a head against a dataset with a different class count.

A mismatch otherwise shows up as a CUDA/CPU index error deep in the loss, or worse, trains
silently with dead logits. The dataset is only known once the train loop has built it, so the
check lives in ``before_train`` — still before the first iteration.
"""
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...utils.config_checks import check_num_classes


@HOOKS.register_module()
class DatasetSanityHook(Hook):
    priority = 'VERY_HIGH'

    def before_train(self, runner):
        dataset = runner.train_dataloader.dataset
        classes = dataset.metainfo.get('classes')
        check_num_classes(runner.cfg.model, classes, type(dataset).__name__)
