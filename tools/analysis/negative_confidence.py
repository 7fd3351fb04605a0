"""How sure a classifier is on patch-based negative views, compared with clean images.

PNA's observation: a ViT still recognises images whose patches were shuffled, rotated or
re-filled (no person can), i.e. it relies on features that survive destroying the global shape.
For every checkpoint this tool runs the config's val images clean and as each negative view
(P-Shuffle, P-Rotate, P-Infill; the same random views for every checkpoint) and reports the mean
top-1 confidence (max softmax probability) and the accuracy against the clean label. A PNA-trained
model should be much less confident on the views than its baseline at similar clean accuracy.
Writes negative_confidence.json and negative_confidence.png.

  python tools/analysis/negative_confidence.py CONFIG CKPT [CKPT ...] [--names A B ...]
      [--patch-size P] [--batches N] [--out-dir DIR] [--seed S] [--cfg-options k=v ...]
"""
import argparse
import json
import os
import os.path as osp
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402

from tlalign_mm.errors import TLAlignError, ToolInputError  # noqa: E402
from tlalign_mm.utils.build_errors import config_build_errors  # noqa: E402
from tlalign_mm.utils.output_guard import refuse_existing  # noqa: E402
from tlalign_mm.utils.config_options import merge_checked_options  # noqa: E402

NAME = 'negative_confidence'
VIEWS = ('clean', 'shuffle', 'rotate', 'infill')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='config whose model and val dataloader are used')
    p.add_argument('checkpoints', nargs='+', help='checkpoints to compare')
    p.add_argument('--names', nargs='+', help='one label per checkpoint (default: file names)')
    p.add_argument('--patch-size', type=int,
                   help="view patch size in pixels (default: the backbone's patch size)")
    p.add_argument('--fraction', type=float, default=0.25, help='P-Infill central share')
    p.add_argument('--batches', type=int, default=0, help='val batches to use (0: all)')
    p.add_argument('--seed', type=int, default=0, help='seeds the views (same for every ckpt)')
    p.add_argument('--out-dir', help=f'output folder (default: work_dirs/{NAME}/<config name>)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace existing outputs (refused without it)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings in the config')
    args = p.parse_args(argv)
    if args.names and len(args.names) != len(args.checkpoints):
        p.error('--names needs one name per checkpoint')
    return args


def build_model(cfg, checkpoint):
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS

    from tlalign_mm.utils import CorruptedCheckpointError, UnsafeCheckpointError
    if not osp.isfile(checkpoint):
        raise ToolInputError(f'checkpoint not found: {checkpoint}')
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    try:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    except (UnsafeCheckpointError, CorruptedCheckpointError) as err:
        raise ToolInputError(str(err)) from None
    return model.eval()


def build_views(backbone, patch_size, fraction):
    from tlalign_mm.augments.patch_negatives import (PatchInfill, PatchRotate, PatchShuffle,
                                                     backbone_patch_size)
    size = patch_size or backbone_patch_size(backbone)[0]
    views = dict(shuffle=PatchShuffle(size), rotate=PatchRotate(size),
                 infill=PatchInfill(size, fraction=fraction))
    for view in views.values():
        view.check_backbone(backbone)
    return views


@torch.no_grad()
def measure(model, loader, views, seed, max_batches):
    """{view: dict(confidence, accuracy)} in percent over the loader's images."""
    torch.manual_seed(seed)
    sums = {v: [0.0, 0.0] for v in VIEWS}
    count = 0
    for index, data in enumerate(loader):
        if max_batches and index >= max_batches:
            break
        data = model.data_preprocessor(data, training=False)
        images = data['inputs']
        labels = torch.cat([s.gt_label for s in data['data_samples']])
        batch = {'clean': images, **{name: view(images) for name, view in views.items()}}
        for name, inputs in batch.items():
            probs = model.head(model.extract_feat(inputs)).softmax(dim=1)
            confidence, predicted = probs.max(dim=1)
            sums[name][0] += confidence.sum().item()
            sums[name][1] += (predicted == labels).sum().item()
        count += images.size(0)
    return {v: dict(confidence=100 * c / count, accuracy=100 * a / count)
            for v, (c, a) in sums.items()}


def plot(results, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from tlalign_mm.utils.figures import save_figure
    names = list(results)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    width = 0.8 / len(names)
    for ax, key in zip(axes, ('confidence', 'accuracy')):
        for i, name in enumerate(names):
            xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(VIEWS))]
            bars = ax.bar(xs, [results[name][v][key] for v in VIEWS], width, label=name)
            ax.bar_label(bars, fmt='%.0f', fontsize=7)
        ax.set_xticks(range(len(VIEWS)), VIEWS)
        ax.set_ylabel(f'mean {key} (%)')
        ax.set_ylim(0, 105)
    axes[0].legend(fontsize=8)
    save_figure(fig, path, 'clean images vs patch-based negative views')


def main(argv=None):
    args = parse_args(argv)
    import tlalign_mm
    tlalign_mm.install_safety()  # weights-only checkpoint loading, the stack check
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    if not osp.isfile(args.config):
        raise SystemExit(f'error: config not found: {args.config}')
    cfg = Config.fromfile(args.config)
    names = args.names or [osp.splitext(osp.basename(c))[0] for c in args.checkpoints]
    out_dir = args.out_dir or osp.join('work_dirs', NAME,
                                       osp.splitext(osp.basename(args.config))[0])
    results = {}
    try:
        refuse_existing([osp.join(out_dir, f'{NAME}.{ext}') for ext in ('json', 'png')],
                        args.overwrite)
        with config_build_errors():
            if args.cfg_options:
                merge_checked_options(cfg, args.cfg_options, args.config)
            init_default_scope(cfg.get('default_scope', 'mmpretrain'))
            loader_cfg = dict(cfg.val_dataloader, num_workers=0, persistent_workers=False)
            loader = Runner.build_dataloader(loader_cfg)
            for name, checkpoint in zip(names, args.checkpoints):
                model = build_model(cfg, checkpoint)
                views = build_views(model.backbone, args.patch_size, args.fraction)
                results[name] = measure(model, loader, views, args.seed, args.batches)
    except TLAlignError as err:
        raise SystemExit(f'error: {err}') from None
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, f'{NAME}.json'), 'w') as f:
        json.dump(dict(config=args.config, checkpoints=dict(zip(names, args.checkpoints)),
                       seed=args.seed, results=results), f, indent=2)
    plot(results, osp.join(out_dir, f'{NAME}.png'))
    for name, by_view in results.items():
        print(name + ': ' + ', '.join(f'{v} conf {r["confidence"]:.1f} acc {r["accuracy"]:.1f}'
                                       for v, r in by_view.items()))
    print(f'wrote {out_dir}/{NAME}.json and .png')
    return results


if __name__ == '__main__':
    main()
