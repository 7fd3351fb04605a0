"""What PNA's negative views cost next to a ViT training step (CPU or GPU, one process).

Three timings, each the median over ``--repeats`` after ``--warmup`` untimed runs:
- ``view``: making each negative view (P-Shuffle, P-Rotate, P-Infill) of a (B, 3, H, W) batch;
- ``step``: a plain training step at batch B (forward, soft-target cross entropy, backward,
  AdamW step) of a stock mmpretrain ``VisionTransformer`` + ``VisionTransformerClsHead``;
- ``pna_step``: the PNA step: view, the 2B batch through the same model, cross entropy on the
  positives + the uniform loss on the negatives, backward, step. Its extra time over ``step`` is
  the method's own price (the negatives' forward and backward), reported separately from the
  views' overhead ``view / step``.
Writes a JSON with every timing and ratio.

  python tools/analysis/negative_view_cost.py [--arch deit-small] [--batch 32] [--img-size 224]
      [--patch-size 16] [--repeats 5] [--warmup 2] [--out FILE]
"""
import argparse
import json
import os
import os.path as osp
import statistics
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# A two-block ViT for smoke runs of the tool itself (``--arch tiny-test``).
TINY_ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arch', default='deit-small',
                   help="mmpretrain VisionTransformer arch, or 'tiny-test'")
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--img-size', type=int, default=224)
    p.add_argument('--patch-size', type=int, default=16, help='backbone and view patch size')
    p.add_argument('--num-classes', type=int, default=1000)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--out', help='JSON output (default: print only)')
    return p.parse_args(argv)


def build(args):
    from mmpretrain.models.backbones import VisionTransformer
    from mmpretrain.models.heads import VisionTransformerClsHead
    arch = TINY_ARCH if args.arch == 'tiny-test' else args.arch
    backbone = VisionTransformer(arch=arch, img_size=args.img_size, patch_size=args.patch_size,
                                 drop_path_rate=0.1)
    head = VisionTransformerClsHead(num_classes=args.num_classes,
                                    in_channels=backbone.embed_dims)
    model = torch.nn.ModuleDict(dict(backbone=backbone, head=head)).to(args.device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    return model, optimizer


def timed(fn, args):
    def sync():
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
    for _ in range(args.warmup):
        fn()
    sync()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv=None):
    args = parse_args(argv)
    import tlalign_mm  # noqa: F401  registers the views
    from tlalign_mm.augments.patch_negatives import PatchInfill, PatchRotate, PatchShuffle
    from tlalign_mm.models.losses import NegativeUniformLoss
    torch.manual_seed(0)
    model, optimizer = build(args)
    images = torch.randn(args.batch, 3, args.img_size, args.img_size, device=args.device)
    target = torch.rand(args.batch, args.num_classes, device=args.device).softmax(dim=1)
    views = dict(shuffle=PatchShuffle(args.patch_size), rotate=PatchRotate(args.patch_size),
                 infill=PatchInfill(args.patch_size))
    uniform = NegativeUniformLoss()

    def logits(x):
        return model['head'](model['backbone'](x))

    def step():
        loss = F.cross_entropy(logits(images), target)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def pna_step():
        out = logits(torch.cat([images, views['rotate'](images)]))
        loss = F.cross_entropy(out[:args.batch], target) + uniform(None, out[args.batch:])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    with torch.no_grad():
        view_ms = {name: timed(lambda v=view: v(images), args) for name, view in views.items()}
    step_ms = timed(step, args)
    pna_ms = timed(pna_step, args)
    result = dict(
        arch=args.arch, batch=args.batch, img_size=args.img_size, patch_size=args.patch_size,
        device=args.device, threads=torch.get_num_threads(), repeats=args.repeats,
        view_ms=view_ms, step_ms=step_ms, pna_step_ms=pna_ms,
        view_over_step={k: v / step_ms for k, v in view_ms.items()},
        pna_step_over_step=pna_ms / step_ms)
    print(json.dumps(result, indent=2))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
