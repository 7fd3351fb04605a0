"""Write the built-in digit datasets in their real OpenMMLab on-disk layouts.

    python tools/dataset_converters/make_digits_datasets.py data/ [--kinds imagenet cub] [--seed 0]

writes ``data/digits_<kind>`` for each kind. ``imagenet_c`` (digits-C: the ``imagenet`` kind's
val split under 15 corruptions x 5 severities, ImageNet-C layout) corrupts ``data/digits_imagenet``
when it exists, else the same split made in a temporary folder. An existing non-empty target is
refused unless ``--overwrite`` is given, because a maker writes into its folder without clearing
it and stale files from an earlier, larger run would silently join the new dataset.
"""
import argparse
import os
import os.path as osp
import shutil
import sys
import time

from tlalign_mm.datasets.makers import MAKERS
from tlalign_mm.datasets.makers.corrupted_style import make_corrupted_style

# Slower than the session test fixture's MAKERS (15,000 images), so made only by this tool and
# the benchmark's robustness tasks.
KINDS = dict(MAKERS, imagenet_c=make_corrupted_style)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir', help='folder that receives digits_<kind>/ for each kind')
    parser.add_argument('--kinds', nargs='+', choices=list(KINDS), default=list(KINDS),
                        help='which datasets to write (default: all)')
    parser.add_argument('--seed', type=int, default=0, help='same seed, same bytes')
    parser.add_argument('--overwrite', action='store_true',
                        help='delete and rewrite targets that already hold files')
    return parser.parse_args(argv)


def _occupied(path):
    return osp.isfile(path) or (osp.isdir(path) and bool(os.listdir(path)))


def main(argv=None):
    args = parse_args(argv)
    targets = {kind: osp.join(args.out_dir, f'digits_{kind}') for kind in dict.fromkeys(args.kinds)}
    occupied = [path for path in targets.values() if _occupied(path)]
    if occupied and not args.overwrite:
        sys.exit(f'error: {", ".join(occupied)} already exists and is not empty; '
                 'pass --overwrite to replace it')
    for kind, target in targets.items():
        if osp.isdir(target):
            shutil.rmtree(target)
        elif osp.exists(target):
            os.remove(target)
        print(f'[{kind}] writing {target}', flush=True)
        start = time.perf_counter()
        if kind == 'imagenet_c':
            source = osp.join(args.out_dir, 'digits_imagenet')
            info = make_corrupted_style(target, seed=args.seed,
                                        source=source if osp.isdir(source) else None)
        else:
            info = MAKERS[kind](target, seed=args.seed)
        print(f'[{kind}] {info["counts"]} images, {len(info["classes"])} classes, '
              f'{time.perf_counter() - start:.1f}s', flush=True)


if __name__ == '__main__':
    main()
