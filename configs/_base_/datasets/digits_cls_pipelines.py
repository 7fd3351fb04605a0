# Pipelines of the 32 px digits classification datasets (pre-training and fine-grained transfer).
# Named digits_* so a config can inherit them beside mmpretrain's own dataset bases, which define
# train_pipeline/test_pipeline themselves.
digits_classes = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight',
                  'nine')
digits_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.85, 1.0), backend='pillow'),
    dict(type='PackInputs'),
]
digits_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=32, edge='short', backend='pillow'),
    dict(type='PackInputs'),
]
