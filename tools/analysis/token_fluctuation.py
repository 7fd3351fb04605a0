"""Token fluctuation of a classifier: the traced own-image share of CutMix-ed images, per depth.

Builds the classifier of CONFIG, loads CHECKPOINT (``none``: the untrained, freshly initialised
model), CutMixes batches of the config's val (or train) images, traces the scalar own-image share
of every token through the backbone's attention (the TL-Align label tracer, any backbone
``build_tracer`` supports) and writes, per depth (0 = the initial labels, then after each block):
the class token's share a_cls against the area ratio λ, mean/max |a_cls − λ| and the patch
tokens' drift from their initial share — as token_fluctuation.{csv,json} and a PNG plot.

  python tools/analysis/token_fluctuation.py CONFIG CHECKPOINT [--batches N] [--out-dir DIR]
"""
import argparse
import csv
import json
import os
import os.path as osp
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402

from tlalign_mm.errors import TLAlignError, ToolInputError  # noqa: E402
from tlalign_mm.utils.build_errors import config_build_errors  # noqa: E402
from tlalign_mm.utils.output_guard import refuse_existing  # noqa: E402
from tlalign_mm.utils.config_options import merge_checked_options  # noqa: E402

NAME = 'token_fluctuation'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='config whose model (an mmpretrain classifier) is analysed')
    p.add_argument('checkpoint', help="checkpoint file, or 'none' for the untrained model")
    p.add_argument('--batches', type=int, default=4, help='number of CutMix-ed batches')
    p.add_argument('--out-dir', help='output folder (default: work_dirs/token_fluctuation/'
                   '<config name>)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace existing outputs (refused without it)')
    p.add_argument('--split', choices=['val', 'train'], default='val',
                   help="which of the config's dataloaders supplies the images")
    p.add_argument('--mix', choices=['token', 'pixel'], default='token',
                   help='token: CutMix box on the patch grid (pure tokens); pixel: '
                   "mmpretrain's pixel box")
    p.add_argument('--seed', type=int, default=0, help='seeds the boxes, partners and init')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings in the config')
    args = p.parse_args(argv)
    if args.batches < 1:
        p.error('--batches must be >= 1')
    return args


def load_cfg(args):
    if not osp.isfile(args.config):
        raise ToolInputError(f'config not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        merge_checked_options(cfg, args.cfg_options, args.config)
    return cfg


def build_model(cfg, checkpoint):
    from mmengine.runner import load_checkpoint
    from mmpretrain.models import ImageClassifier
    from mmpretrain.registry import MODELS
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    if not isinstance(model, ImageClassifier):
        raise ToolInputError(f'the config builds {type(model).__name__}; token fluctuation is '
                             'measured on an mmpretrain ImageClassifier')
    if checkpoint.lower() == 'none':
        model.init_weights()  # what training starts from
    elif not osp.isfile(checkpoint):
        raise ToolInputError(f'checkpoint not found: {checkpoint}')
    else:
        from tlalign_mm.utils import CorruptedCheckpointError, UnsafeCheckpointError
        try:
            load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
        except (CorruptedCheckpointError, UnsafeCheckpointError) as err:
            raise ToolInputError(str(err)) from None
        except RuntimeError as err:
            detail = ' '.join(str(err).split())
            detail = detail if len(detail) <= 300 else detail[:297] + '...'
            raise ToolInputError(f'checkpoint {checkpoint} does not fit the model of the '
                                 f'config: {detail}') from None
    return model.eval()


def build_loader(cfg, split, seed):
    from mmengine.runner import Runner
    from tlalign_mm.utils import DatasetRootError, check_data_roots
    key = f'{split}_dataloader'
    if cfg.get(key) is None:
        raise ToolInputError(f'config has no {key}')
    try:
        check_data_roots(cfg, (key, ))
    except DatasetRootError as err:
        raise ToolInputError(str(err)) from None
    loader = cfg[key].copy()
    loader.update(num_workers=0, persistent_workers=False)
    return Runner.build_dataloader(loader, seed=seed)


def make_mixer(mode, tracer):
    """Pixel CutMix, or token-CutMix on the tracer's first token grid."""
    from tlalign_mm.augments import AlignedCutMix, AlignedTokenCutMix
    if mode == 'pixel':
        return AlignedCutMix(alpha=1.0)
    return AlignedTokenCutMix(alpha=1.0, patch_size=tracer.token_size)


def analyse(tracer, model, loader, batches, mixer, seed):
    """Per-depth :class:`FluctuationStats` over ``batches`` CutMix-ed batches."""
    import numpy as np
    from tlalign_mm.alignment import MixRecordSource
    from tlalign_mm.alignment.fluctuation import FluctuationStats
    stats = FluctuationStats()
    np.random.seed(seed)
    torch.manual_seed(seed)
    done = 0
    for data in loader:
        if done == batches:
            break
        with torch.no_grad():
            inputs = model.data_preprocessor(data, training=False)['inputs']
            # The share is label-free: the scores only fill the record's label fields.
            _, _, record = mixer.mix(inputs, torch.zeros(inputs.size(0), 1))
            tracer.history = []
            tracer.attach(MixRecordSource(record, 'scalar'))
            try:
                model.backbone(inputs)
            finally:
                tracer.detach()
        stats.add(tracer.history, record.lam, tracer.grid_hw)
        done += 1
    if done < batches:
        print(f'note: the dataset gave {done} batches, fewer than --batches {batches}')
    return stats


def write_outputs(stats, out_dir, meta):
    os.makedirs(out_dir, exist_ok=True)
    from tlalign_mm.alignment.fluctuation import COLUMNS
    rows = stats.rows()
    paths = {ext: osp.join(out_dir, f'{NAME}.{ext}') for ext in ('csv', 'json', 'png')}
    with open(paths['csv'], 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    result = dict(meta, depth=len(rows) - 1, final_abs_gap_mean=rows[-1]['abs_gap_mean'],
                  layers=rows)
    with open(paths['json'], 'w') as f:
        json.dump(result, f, indent=2)
    plot(stats, rows, paths['png'], meta)
    return result, paths


def plot(stats, rows, path, meta, max_lines=24):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from tlalign_mm.utils.figures import save_figure
    depth = [r['depth'] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(depth, [r['abs_gap_mean'] for r in rows], 'o-', label='mean |a_cls - λ|')
    left.plot(depth, [r['abs_gap_max'] for r in rows], 's--', label='max |a_cls - λ|')
    left.plot(depth, [r['patch_drift_mean'] for r in rows], '^-',
              label='patch drift mean |a_tok - a_tok(0)|')
    left.set_xlabel('depth (0 = initial labels, ℓ = after block ℓ)')
    left.set_ylabel('own-image share difference')
    left.set_title('token fluctuation vs depth')
    left.legend(fontsize=8)
    left.grid(alpha=0.3)
    left.set_xticks(depth)
    for share, lam in stats.trajectories[:max_lines]:
        right.plot(depth, [s - lam for s in share], alpha=0.6, lw=1)
    right.axhline(0.0, color='k', lw=0.8)
    right.set_xlabel('depth')
    right.set_ylabel('a_cls(ℓ) - λ_area')
    right.set_title(f'per sample (first {min(max_lines, len(stats.trajectories))})')
    right.grid(alpha=0.3)
    right.set_xticks(depth)
    save_figure(fig, path, f"{meta['config_name']} — {meta['checkpoint_name']}", dpi=110)


def main(argv=None):
    args = parse_args(argv)
    from mmengine.registry import init_default_scope

    import tlalign_mm
    from tlalign_mm.alignment import build_tracer
    tlalign_mm.install_safety()  # weights-only checkpoint loading, the stack check
    config_name = osp.splitext(osp.basename(args.config))[0]
    out_dir = args.out_dir or osp.join('work_dirs', NAME, config_name)
    try:
        refuse_existing([osp.join(out_dir, f'{NAME}.{ext}') for ext in ('csv', 'json', 'png')],
                        args.overwrite)
        with config_build_errors():
            cfg = load_cfg(args)
            init_default_scope(cfg.get('default_scope', 'mmpretrain'))
            torch.manual_seed(args.seed)
            model = build_model(cfg, args.checkpoint)
            loader = build_loader(cfg, args.split, args.seed)
            tracer = build_tracer(model.backbone)
            stats = analyse(tracer, model, loader, args.batches,
                            make_mixer(args.mix, tracer), args.seed)
    except TLAlignError as err:
        sys.exit(f'error: {err}')
    meta = dict(config=args.config, config_name=config_name, checkpoint=args.checkpoint,
                checkpoint_name=osp.basename(args.checkpoint), backbone=type(
                    model.backbone).__name__, mix=args.mix, split=args.split, seed=args.seed)
    result, paths = write_outputs(stats, out_dir, meta)
    print(f"final-depth mean |a_cls - lambda| = {result['final_abs_gap_mean']:.4f} over "
          f"{result['layers'][-1]['samples']} samples, {result['depth']} blocks")
    print('wrote ' + ', '.join(paths.values()))
    return result


if __name__ == '__main__':
    main()
