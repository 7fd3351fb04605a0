"""What PNA's negative views cost next to a ViT training step (CPU or GPU, one process).

Three timings, each the median over ``--repeats`` rounds after ``--warmup`` untimed ones; every
round times all of them in turn, so drift of a shared machine hits each alike:
- ``view``: making each negative view (P-Shuffle, P-Rotate, P-Infill) of a (B, 3, H, W) batch;
- ``step``: a plain training step at batch B (forward, soft-target cross entropy, backward,
  AdamW step) of a stock mmpretrain ``VisionTransformer`` + ``VisionTransformerClsHead``;
- ``pna_step``: the PNA step: view, the 2B batch through the same model, cross entropy on the
  positives + the uniform loss on the negatives, backward, step. Its extra time over ``step`` is
  the method's own price (the negatives' forward and backward), reported separately from the
  views' overhead ``view / step``.
Writes a JSON with every timing and ratio. On CPU the tool re-runs itself with a caching glibc
heap (as tlalign_overhead.py does): otherwise every large tensor is page-faulted in afresh and
the timings measure the allocator's history rather than the compute.

  python tools/analysis/negative_view_cost.py [--arch deit-small] [--batch 32] [--img-size 224]
      [--patch-size 16] [--repeats 5] [--warmup 2] [--clock wall|cpu] [--out FILE]
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# A two-block ViT for smoke runs of the tool itself (``--arch tiny-test``).
TINY_ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
# Keep freed memory in the heap (the values of tools/analysis/tlalign_overhead.py).
STEADY_MALLOC = dict(MALLOC_MMAP_THRESHOLD_='33554432', MALLOC_TRIM_THRESHOLD_='68719476736')


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
    p.add_argument('--clock', choices=['wall', 'cpu'], default='wall',
                   help="cpu: the process's CPU time (all threads) instead of wall time; on a "
                   'shared, busy CPU machine it is far less inflated by other jobs')
    p.add_argument('--out', help='JSON output (default: print only)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace existing outputs (refused without it)')
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


def timed_rounds(functions, args):
    """{name: median ms} of ``functions`` ({name: fn}), interleaved round by round."""
    def sync():
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
    clock = time.process_time if args.clock == 'cpu' else time.perf_counter
    times = {name: [] for name in functions}
    for round_index in range(args.warmup + args.repeats):
        for name, fn in functions.items():
            sync()
            start = clock()
            fn()
            sync()
            if round_index >= args.warmup:
                times[name].append(clock() - start)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}


def main(argv=None):
    args = parse_args(argv)
    import tlalign_mm  # noqa: F401  registers the views
    from tlalign_mm.utils.output_guard import OutputExistsError, refuse_existing
    try:
        refuse_existing([args.out], args.overwrite)
    except OutputExistsError as err:
        sys.exit(f'error: {err}')
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

    def view_only(view):
        with torch.no_grad():
            view(images)

    functions = {name: (lambda v=view: view_only(v)) for name, view in views.items()}
    functions.update(step=step, pna_step=pna_step)
    ms = timed_rounds(functions, args)
    view_ms = {name: ms[name] for name in views}
    step_ms, pna_ms = ms['step'], ms['pna_step']
    result = dict(
        arch=args.arch, batch=args.batch, img_size=args.img_size, patch_size=args.patch_size,
        device=args.device, threads=torch.get_num_threads(), repeats=args.repeats,
        clock=args.clock,
        malloc={k: os.environ.get(k) for k in STEADY_MALLOC},
        view_ms=view_ms, step_ms=step_ms, pna_step_ms=pna_ms,
        view_over_step={k: v / step_ms for k, v in view_ms.items()},
        pna_step_over_step=pna_ms / step_ms)
    print(json.dumps(result, indent=2))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


def reexec_with_steady_malloc(argv):
    args = parse_args(argv)
    if args.device != 'cpu' or all(os.environ.get(k) == v for k, v in STEADY_MALLOC.items()):
        return
    os.execve(sys.executable, [sys.executable, __file__, *argv], dict(os.environ, **STEADY_MALLOC))


if __name__ == '__main__':
    reexec_with_steady_malloc(sys.argv[1:])
    main()
