"""What the token-labeling train pipeline costs per image next to the stock DeiT one.

Both pipelines are taken from their configs as they train (the LV-ViT-S token-labeling config:
score map loading, flip, RandAugment replayed on the map, the recorded crop, random erasing,
token targets; the DeiT-S config: mmpretrain's ImageNet pipeline) and run, one image at a time in
this process with one thread, over the same ``--images`` JPEGs of ``--size`` (the ImageNet
median, 500x375). Each round runs both pipelines over every image, the order alternating between
rounds, so drift of a shared machine hits both alike; the ratio is the median over rounds.

  python tools/analysis/token_labeling_pipeline_cost.py [--images 64] [--rounds 5]
      [--size 500 375] [--out FILE] [--overwrite]
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    stock=('configs', 'pretrain', 'deit', 'deit-small_cutmix_8xb128_in1k.py'),
    token_labeling=('configs', 'pretrain', 'lvvit', 'lvvit-s_token-labeling_8xb128_in1k.py'))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', type=int, default=64)
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--size', type=int, nargs=2, default=(500, 375), metavar=('W', 'H'))
    p.add_argument('--grid', type=int, default=14, help='score-map cells per side')
    p.add_argument('--topk', type=int, default=5, help='classes kept per score-map cell')
    p.add_argument('--classes-per-image', type=int, default=20,
                   help="distinct classes in one image's map (an annotator's top-k of "
                   'neighbouring cells overlap; the targets cost grows with this count)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', help='JSON output (default: print only)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace an existing --out (refused without it)')
    return p.parse_args(argv)


def write_images(folder, count, size, seed):
    """``count`` photo-like JPEGs (smooth colour fields with texture; JPEG decoding cost depends
    on content, so not flat noise) as an ImageNet-style folder; returns their paths."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(seed)
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    paths = []
    for i in range(count):
        freq = rng.uniform(0.005, 0.05, size=(3, 2))
        phase = rng.uniform(0, 6.3, size=3)
        img = np.stack([127 + 100 * np.sin(freq[c, 0] * xs + freq[c, 1] * ys + phase[c])
                        for c in range(3)], axis=-1)
        img += rng.normal(0, 12, img.shape)
        path = osp.join(folder, 'train', f'n{i % 10:08d}', f'img_{i:05d}.JPEG')
        os.makedirs(osp.dirname(path), exist_ok=True)
        cv2.imwrite(path, np.clip(img, 0, 255).astype(np.uint8),
                    [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def write_score_maps(folder, paths, grid, topk, num_classes, pool, seed):
    """Synthetic maps: each cell's top-k drawn from a pool of ``pool`` classes per image."""
    import numpy as np
    from tlalign_mm.datasets.token_labeling import ScoreMapWriter
    rng = np.random.default_rng(seed)
    writer = ScoreMapWriter(folder, len(paths), (grid, grid), topk, num_classes, 2,
                            annotator=dict(kind='synthetic, tools/analysis'))
    for row, path in enumerate(paths):
        image_classes = rng.permutation(num_classes)[:pool]
        classes = np.stack([rng.permutation(image_classes)[:topk] for _ in range(grid * grid)],
                           axis=-1).reshape(topk, grid, grid)
        logits = np.sort(rng.normal(0, 3, (topk, grid, grid)), axis=0)[::-1]
        writer.add(row, path, logits, classes)
    writer.close()


def build_pipeline(name, score_maps):
    from mmcv.transforms import Compose
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(osp.join(ROOT, *CONFIGS[name]))
    steps = cfg.train_dataloader.dataset.pipeline
    for step in steps:
        if step['type'] == 'LoadScoreMap':
            step['root'] = score_maps
    init_default_scope('mmpretrain')
    return Compose(steps)


def time_pipeline(pipeline, paths, labels):
    start = time.perf_counter()
    for path, label in zip(paths, labels):
        pipeline(dict(img_path=path, gt_label=label))
    return (time.perf_counter() - start) / len(paths) * 1e3


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    if args.out and osp.exists(args.out) and not args.overwrite:
        sys.exit(f'error: {args.out} exists; pass --overwrite to replace it')
    import cv2
    import numpy as np
    import torch
    import tlalign_mm  # noqa: F401  registers the score-map transforms
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as work:
        paths = write_images(work, args.images, args.size, args.seed)
        write_score_maps(osp.join(work, 'maps'), paths, args.grid, args.topk, 1000,
                         args.classes_per_image, args.seed)
        pipelines = {name: build_pipeline(name, osp.join(work, 'maps')) for name in CONFIGS}
        labels = [i % 10 for i in range(len(paths))]
        np.random.seed(args.seed)
        for pipeline in pipelines.values():  # warm-up: file cache, lazy imports
            time_pipeline(pipeline, paths[:4], labels[:4])
        rounds = []
        for r in range(args.rounds):
            order = list(pipelines) if r % 2 == 0 else list(reversed(pipelines))
            rounds.append({name: time_pipeline(pipelines[name], paths, labels)
                           for name in order})
    ratios = [r['token_labeling'] / r['stock'] for r in rounds]
    result = dict(
        settings=dict(images=args.images, rounds=args.rounds, size=list(args.size),
                      grid=args.grid, topk=args.topk, threads=1,
                      classes_per_image=args.classes_per_image,
                      configs={k: '/'.join(v) for k, v in CONFIGS.items()}),
        ms_per_image={name: statistics.median(r[name] for r in rounds) for name in CONFIGS},
        rounds=rounds, ratio=statistics.median(ratios))
    for name, ms in result['ms_per_image'].items():
        print(f'{name:<16}{ms:8.2f} ms / image (median of {args.rounds} rounds)')
    print(f'token labeling / stock: {result["ratio"]:.3f} '
          f'(rounds: {", ".join(f"{x:.3f}" for x in ratios)})')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
