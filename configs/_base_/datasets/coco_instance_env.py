# mmdet's COCO instance-segmentation data (1333x800 resize, flip) with the dataset folder taken
# from $COCO_ROOT (default data/coco/, holding train2017/, val2017/ and annotations/).
# 8 GPUs x 2 images = batch 16, as in mmdet's recipes. The evaluator's annotation path is rebuilt
# from the root because mmdet's base joins it to its own default root.
_base_ = ['mmdet::_base_/datasets/coco_instance.py']

data_root = '{{$COCO_ROOT:data/coco/}}'
train_dataloader = dict(batch_size=2, dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=1, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root.rstrip('/') + '/annotations/instances_val2017.json')
test_evaluator = val_evaluator
