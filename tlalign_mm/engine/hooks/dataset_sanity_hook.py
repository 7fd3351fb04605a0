"""Refuse data the run cannot learn from, before (or at) the batch that shows it.

- A head trained against a dataset with a different class count: otherwise an index error deep
  in the loss, or worse, silent training with dead logits. The dataset is only known once the
  train loop has built it, so the check lives in ``before_train``, still before iteration 1.
- An empty train, val or test dataset (mmengine would run zero iterations and report nothing).
- A segmentation label map with a value that is neither a class index nor the ignore index
  (checked per batch: one max over the label maps, named by file).
- Boxes of a COCO json outside their image are counted in the log once: mmdet skips the ones
  with no overlap and keeps the rest unclipped, which a user should know about.
"""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ...datasets.dataset_checks import check_not_empty, check_seg_labels, coco_boxes_outside
from ...utils.config_checks import check_num_classes


def _seg_ignore_index(model_cfg):
    head = (model_cfg or {}).get('decode_head') or {}
    return head.get('ignore_index', 255) if isinstance(head, dict) else 255


@HOOKS.register_module()
class DatasetSanityHook(Hook):
    priority = 'VERY_HIGH'

    def __init__(self):
        self._seg_classes = None
        self._ignore_index = 255

    def before_train(self, runner):
        dataset = runner.train_dataloader.dataset
        check_not_empty(dataset, 'train_dataloader.dataset')
        classes = dataset.metainfo.get('classes')
        check_num_classes(runner.cfg.model, classes, type(dataset).__name__)
        from mmseg.datasets import BaseSegDataset
        if isinstance(dataset, BaseSegDataset) and classes:
            self._seg_classes = len(classes)
            self._ignore_index = _seg_ignore_index(runner.cfg.model)
        self._log_coco_boxes(dataset)

    def _log_coco_boxes(self, dataset):
        from mmdet.datasets import CocoDataset
        if not isinstance(dataset, CocoDataset) or not dataset.ann_file:
            return
        outside, crossing = coco_boxes_outside(dataset.ann_file)
        if outside or crossing:
            print_log(f'{dataset.ann_file}: {outside} box(es) lie entirely outside their image '
                      f'(skipped by mmdet), {crossing} cross the image border (kept as given)',
                      logger='current', level=30)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self._seg_classes and data_batch:
            check_seg_labels(data_batch.get('data_samples'), self._seg_classes,
                             self._ignore_index)

    def before_val(self, runner):
        check_not_empty(runner.val_dataloader.dataset, 'val_dataloader.dataset')

    def before_test(self, runner):
        check_not_empty(runner.test_dataloader.dataset, 'test_dataloader.dataset')
