"""Make token-labeling score maps with any mmpretrain classifier as the machine annotator.

Usage:
    python tools/token_labeling/make_score_maps.py CONFIG CHECKPOINT --out DIR
        [--split train] [--img-size 224] [--topk 5] [--batch-size 64] [--workers 4]
        [--cfg-options k=v ...]

CONFIG/CHECKPOINT are the annotator (e.g. a DeiT, ViT or ResNet classifier); its config's
``<split>_dataloader`` names the images (any mmpretrain dataset: ImageNet folders, CustomDataset,
...). Every image is resized whole to --img-size (the map must cover the full image: the training
crops are cut from it later) and the classifier's head is applied at every spatial position of
the backbone's last feature map — the patch tokens of a ViT (``out_type='featmap'``), the last
stage of a CNN (its global-average-pooling neck skipped: pooling commutes with a linear head).
The top-k logits and class indices of every position go to DIR in the memory-mapped layout of
``tlalign_mm.datasets.token_labeling.score_map_store``; point a token-labeling config at it
with ``TOKEN_LABEL_ROOT=DIR``. DIR must be new or empty.
"""
import argparse
import copy
import os
import os.path as osp
import shutil
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader

import tlalign_mm
from tlalign_mm.errors import TLAlignError
from tlalign_mm.utils.build_errors import config_build_errors
from tlalign_mm.utils.checkpoint_fit import check_checkpoint_fits
from tlalign_mm.utils.config_checks import check_num_classes
from tlalign_mm.utils.config_options import merge_checked_options
tlalign_mm.install_safety()  # weights-only checkpoint loading, the stack check
from tlalign_mm.datasets.token_labeling import ScoreMapError, ScoreMapWriter


class AnnotatorError(TLAlignError, ValueError):
    """The classifier cannot be applied at every spatial position."""


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the annotator classifier config')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('--out', required=True, help='new or empty score-map folder')
    parser.add_argument('--split', default='train', help='which <split>_dataloader to label')
    parser.add_argument('--img-size', type=int, default=224, help='annotator input size')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--overwrite', action='store_true',
                        help='delete the score maps already in --out and write new ones')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    return parser.parse_args(argv)


def dense_logits(model, inputs):
    """(B, K, h, w): the classifier's head at every position of its last feature map."""
    backbone = model.backbone
    out_type = getattr(backbone, 'out_type', None)
    if model.neck is not None and type(model.neck).__name__ != 'GlobalAveragePooling':
        raise AnnotatorError(f'neck {type(model.neck).__name__} is not linear pooling; only '
                             'classifiers without a neck or with GlobalAveragePooling annotate')
    if out_type is not None:
        backbone.out_type = 'featmap'  # ViT family: every patch token, after the final norm
    try:
        feat = backbone(inputs)[-1]
    finally:
        if out_type is not None:
            backbone.out_type = out_type
    if feat.dim() != 4:
        raise AnnotatorError(f'{type(backbone).__name__} gives no spatial feature map (got '
                             f'shape {tuple(feat.shape)})')
    batch, channels, height, width = feat.shape
    logits = model.head((feat.permute(0, 2, 3, 1).reshape(-1, channels), ))
    return logits.reshape(batch, height, width, -1).permute(0, 3, 1, 2)


def annotator_dataset(cfg, split, img_size):
    from mmpretrain.registry import DATASETS
    loader = cfg.get(f'{split}_dataloader')
    if loader is None:
        raise AnnotatorError(f'the config has no {split}_dataloader')
    dataset = copy.deepcopy(loader['dataset'])
    dataset['pipeline'] = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(img_size, img_size), backend='pillow',
             interpolation='bicubic'),
        dict(type='PackInputs'),
    ]
    return DATASETS.build(dataset)


def path_depth(dataset, first_path):
    prefix = dataset.data_prefix.get('img_path') or dataset.data_root or ''
    relative = osp.relpath(first_path, prefix) if prefix else osp.basename(first_path)
    return max(1, len(relative.replace('\\', '/').split('/')))


def make_score_maps(args):
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        merge_checked_options(cfg, args.cfg_options, args.config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('train_cfg', None)  # no batch augments: the annotator only infers
    if cfg.get('data_preprocessor') is not None:
        preprocessor = dict(cfg.data_preprocessor)
        preprocessor['type'] = 'ClsDataPreprocessor'
        model_cfg.setdefault('data_preprocessor', preprocessor)
    model = MODELS.build(model_cfg)
    # every weight from the checkpoint: a random head or backbone would write plausible maps
    check_checkpoint_fits(model, args.checkpoint, flag=None)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True, logger='silent')
    model.eval()
    dataset = annotator_dataset(cfg, args.split, args.img_size)
    if len(dataset) == 0:
        raise AnnotatorError(f'the {args.split} dataset is empty')
    check_num_classes(model_cfg, dataset.metainfo.get('classes'), f'the {args.split} dataset')
    loader = DataLoader(dataset, batch_size=args.batch_size, num_workers=args.workers,
                        collate_fn=pseudo_collate, shuffle=False)
    writer, row = None, 0
    progress = ProgressBar(len(dataset), file=sys.stderr)
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            logits = dense_logits(model, data['inputs']).float()
            if writer is None:
                if args.topk > logits.size(1):
                    raise AnnotatorError(f'--topk {args.topk} exceeds the {logits.size(1)} '
                                         'classes of the annotator')
                first = data['data_samples'][0].img_path
                writer = ScoreMapWriter(
                    args.out, len(dataset), tuple(logits.shape[-2:]), args.topk,
                    logits.size(1), path_depth(dataset, first),
                    annotator=dict(config=osp.abspath(args.config),
                                   checkpoint=osp.abspath(args.checkpoint),
                                   img_size=args.img_size, split=args.split))
            values, classes = logits.topk(args.topk, dim=1)
            for sample, value, cls in zip(data['data_samples'], values, classes):
                writer.add(row, sample.img_path, value.half().numpy(), cls.numpy())
                row += 1
            progress.update(len(data['data_samples']))
    writer.close()
    return writer.meta


def main(argv=None):
    args = parse_args(argv)
    try:
        if osp.isdir(args.out) and os.listdir(args.out):
            if not args.overwrite:
                raise ScoreMapError(f'{args.out} is not empty; refusing to overwrite score maps '
                                    '(pass --overwrite to replace them)')
            shutil.rmtree(args.out)
        with config_build_errors():
            meta = make_score_maps(args)
    except (TLAlignError, FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    grid = 'x'.join(map(str, meta['grid']))
    print(f'\nwrote {meta["count"]} score maps ({grid} grid, top-{meta["topk"]} of '
          f'{meta["num_classes"]} classes) to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
