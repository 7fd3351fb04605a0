"""TL-Align training overhead, measured side by side in one run.

Runs full mmpretrain train steps (data preprocessor + batch augment, forward, loss, backward,
AdamW update) of the same DeiT or Swin for three arms and prints the ratios to plain CutMix:
  cutmix          stock mmpretrain CutMix, area-ratio label (the baseline)
  tlalign-scalar  AlignedTokenCutMix + TLAlignHook, exact two-source scalar labels
  tlalign-kdim    AlignedTokenCutMix + TLAlignHook, K-dim labels (the authors' formulation)
The token-CutMix box snaps to the backbone's patch grid (16 px DeiT, 4 px Swin) unless
--patch-size says otherwise; for Swin that is the box grid only (its patch embedding stays 4 px),
so --patch-size 32 measures boxes on the last stage's tokens.
Step times are interleaved round by round, in rotating order (ABC BCA CAB ...), so drift of the
machine hits every arm alike; the ratio of median step times is reported, with the range of the
per-round ratios beside it. On CPU the timing process keeps freed memory in glibc's heap (see
STEADY_MALLOC). Peak memory: CUDA peak allocation per arm in this process; on
CPU each arm runs in a fresh child process (glibc mmap threshold fixed at 64 KiB, so freed
tensors leave the resident set) and reports its resident-set high-water mark over two steps after
a warm one, and that mark above the resident set it had before them (Linux clear_refs).

  python tools/analysis/tlalign_overhead.py --arch deit-small --img-size 224 --batch 32
  python tools/analysis/tlalign_overhead.py --backbone swin --arch tiny --img-size 224 --batch 32
  python tools/analysis/tlalign_overhead.py --backbone iformer --arch small --img-size 224 --batch 32
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import torch

ARMS = ('cutmix', 'tlalign-scalar', 'tlalign-kdim')
DEFAULTS = dict(vit=dict(arch='deit-small', patch_size=16), swin=dict(arch='tiny', patch_size=4),
                iformer=dict(arch='small', patch_size=4))
MESSAGE_HUB = None

# glibc's default allocator hands large freed blocks back to the OS and faults fresh pages in on
# the next step, so on CPU a step's time depends on the allocation history of whichever arm ran
# before it (round-to-round spread of ±10% on Swin-T; ~25% of the step is page faults). Keeping
# freed memory in the heap, as the CUDA caching allocator does on GPU, measures the arms' compute.
STEADY_MALLOC = dict(MALLOC_MMAP_THRESHOLD_='33554432', MALLOC_TRIM_THRESHOLD_='68719476736')


def message_hub():
    global MESSAGE_HUB
    if MESSAGE_HUB is None:
        from mmengine.logging import MessageHub
        MESSAGE_HUB = MessageHub.get_instance('tlalign_overhead')
    return MESSAGE_HUB


def build_parser(kernels, add_help=True):
    """The tool's options; ``kernels=None`` accepts any --kernel (the re-run checks it)."""
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], add_help=add_help)
    p.add_argument('--backbone', default='vit', choices=sorted(DEFAULTS) + ['deit'],
                   help='mmpretrain VisionTransformer (DeiT), SwinTransformer or our IFormer; '
                   "'deit': vit with DeiT arch names (--arch small = deit-small)")
    p.add_argument('--arch', help='backbone arch (default deit-small / tiny / small)')
    p.add_argument('--img-size', type=int, default=224)
    p.add_argument('--patch-size', type=int,
                   help='ViT patch size (default 16); Swin: the token-CutMix box grid (default 4)')
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--num-classes', type=int, default=1000)
    p.add_argument('--rounds', type=int, default=5, help='interleaved timing rounds')
    p.add_argument('--steps', type=int, default=3, help='timed steps per arm and round')
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--kernel', default='auto', choices=kernels)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--amp', action='store_true', help='bf16 autocast for every arm')
    p.add_argument('--compile', action='store_true',
                   help="torch.compile every arm's backbone forward (TLAlignHook's "
                   'compile_backbone for the TL-Align arms, the same wrapping for CutMix)')
    p.add_argument('--arms', nargs='+', default=list(ARMS), choices=ARMS)
    p.add_argument('--out', help='write the results as JSON here')
    p.add_argument('--overwrite', action='store_true',
                   help='replace existing outputs (refused without it)')
    p.add_argument('--count-ops', action='store_true',
                   help='instead of timing: count the dispatched aten ops and tlalign_mm Python '
                   'calls of one full train step per arm (machine-independent host work)')
    p.add_argument('--as-device', choices=['cpu', 'cuda'],
                   help="with --count-ops: let the tracer pick the kernels it picks on this "
                   "device ('cuda': the GPU path's Python and aten work, counted on this machine)")
    p.add_argument('--skip-memory', action='store_true',
                   help='time only (no peak-memory pass; on CPU that pass runs child processes)')
    p.add_argument('--system-malloc', action='store_true',
                   help="CPU: time with glibc's default heap behaviour (see STEADY_MALLOC)")
    p.add_argument('--_memory-child', dest='memory_child', help=argparse.SUPPRESS)
    return p


def parse_args(argv=None):
    from tlalign_mm.alignment.vit import KERNELS
    args = build_parser(list(KERNELS)).parse_args(argv)
    if args.backbone == 'deit':  # a ViT with DeiT's arch names: --arch small is deit-small
        args.backbone = 'vit'
        if args.arch and not args.arch.startswith('deit-'):
            args.arch = f'deit-{args.arch}'
    for key, value in DEFAULTS[args.backbone].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def classifier_parts(args):
    """Backbone, neck and head configs of the stock mmpretrain classifier being measured."""
    from mmpretrain.models.backbones import SwinTransformer, VisionTransformer
    loss = dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')
    if args.backbone == 'iformer':
        # configs/_base_/models/iformer_in1k.py: global pooling + linear head.
        import tlalign_mm  # noqa: F401  (registers IFormer)
        from tlalign_mm.models.backbones import IFormer
        return (dict(type='IFormer', arch=args.arch, img_size=args.img_size,
                     drop_path_rate=0.2),
                dict(type='GlobalAveragePooling'),
                dict(type='LinearClsHead', num_classes=args.num_classes, loss=loss,
                     in_channels=IFormer.arch_zoo[args.arch]['embed_dims'][-1]))
    if args.backbone == 'swin':
        # mmpretrain's swin_transformer/*_224 model: global pooling + linear head.
        dims = SwinTransformer.arch_zoo[args.arch]['embed_dims'] * 8
        return (dict(type='SwinTransformer', arch=args.arch, img_size=args.img_size,
                     drop_path_rate=0.2),
                dict(type='GlobalAveragePooling'),
                dict(type='LinearClsHead', num_classes=args.num_classes, in_channels=dims,
                     loss=loss))
    return (dict(type='VisionTransformer', arch=args.arch, img_size=args.img_size,
                 patch_size=args.patch_size, drop_path_rate=0.1),
            None,
            dict(type='VisionTransformerClsHead', num_classes=args.num_classes,
                 in_channels=VisionTransformer.arch_zoo[args.arch]['embed_dims'], loss=loss))


def build_arm(arm, args):
    """A stock ImageClassifier + optimizer for one arm, with the TL-Align hook where needed."""
    import tlalign_mm  # noqa: F401
    from mmengine.hooks import LoggerHook
    from mmengine.optim import build_optim_wrapper
    from mmpretrain.registry import MODELS
    from tlalign_mm.engine.hooks import TLAlignHook

    aligned = arm != 'cutmix'
    augment = (dict(type='AlignedTokenCutMix', alpha=1.0, patch_size=args.patch_size)
               if aligned else dict(type='CutMix', alpha=1.0))
    torch.manual_seed(0)
    backbone, neck, head = classifier_parts(args)
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=neck,
        head=head,
        data_preprocessor=dict(
            type='MixRecordingDataPreprocessor' if aligned else 'ClsDataPreprocessor',
            num_classes=args.num_classes, mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375], to_rgb=True),
        train_cfg=dict(augments=[augment]),
    )).to(args.device)
    model.train()
    wrapper_type = ('AmpOptimWrapper' if args.device == 'cuda' else 'CPUBf16AmpOptimWrapper') \
        if args.amp else 'OptimWrapper'
    optim = build_optim_wrapper(model, dict(
        type=wrapper_type, optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05)))
    hook = None
    if args.compile and not aligned:
        model.backbone.forward = torch.compile(model.backbone.forward)
    if aligned:
        hook = TLAlignHook(label_mode=arm.split('-')[1], kernel=args.kernel,
                           compile_backbone=args.compile)
        # a logger writing every 50 iterations, as in training: the hook hands its statistics
        # to the message hub (a host sync) on those iterations only
        hook.runner = SimpleNamespace(model=model, message_hub=message_hub(),
                                      hooks=[hook, LoggerHook(interval=50)])
        hook.before_train(hook.runner)
    return model, optim, hook


def make_batch(args, seed):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (args.batch, 3, args.img_size, args.img_size), generator=g,
                           dtype=torch.uint8)
    labels = torch.randint(0, args.num_classes, (args.batch, ), generator=g)
    samples = [DataSample().set_gt_label(int(label)) for label in labels]
    return dict(inputs=images.to(args.device), data_samples=samples)


def train_step(model, optim, hook, batch):
    data = dict(inputs=batch['inputs'].clone(),
                data_samples=[s.clone() for s in batch['data_samples']])
    if hook is not None:
        hook.before_train_iter(hook.runner, 0, data)
    losses = model.train_step(data, optim)
    if hook is not None:
        hook.after_train_iter(hook.runner, 0, data)
    # mmengine's RuntimeInfoHook reads every logged loss into the message hub each iteration
    # (a host sync); do the same so every arm pays what real training pays.
    for name, value in losses.items():
        message_hub().update_scalar(f'train/{name}', value)
    return losses


def sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


def timed_steps(arm_state, batch, args):
    model, optim, hook = arm_state
    sync(args.device)
    start = time.perf_counter()
    for _ in range(args.steps):
        train_step(model, optim, hook, batch)
    sync(args.device)
    return (time.perf_counter() - start) / args.steps


def proc_status_kb(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


def memory_child(arm, args):
    """Fresh process: one warm step, then the resident high-water mark of two more."""
    state = build_arm(arm, args)
    batch = make_batch(args, 0)
    train_step(*state, batch)
    before = proc_status_kb('VmRSS')
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # resets VmHWM to the current RSS
    for _ in range(2):
        train_step(*state, batch)
    print(json.dumps(dict(arm=arm, peak_mb=proc_status_kb('VmHWM') / 1024,
                          step_mb=(proc_status_kb('VmHWM') - before) / 1024)))


def cpu_memory(arm, argv):
    # glibc raises its mmap threshold as large blocks are freed, after which freed tensors stay
    # in the heap and the resident set keeps whatever the allocation order fragmented. A fixed
    # threshold gives every tensor above 64 KiB its own mapping, returned when it is freed, so
    # the resident high-water mark is the memory the step holds, not the allocator's history.
    env = {k: v for k, v in os.environ.items() if k not in STEADY_MALLOC}
    env['MALLOC_MMAP_THRESHOLD_'] = '65536'
    out = subprocess.run([sys.executable, __file__, *argv, '--_memory-child', arm],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cuda_memory(arm_state, batch, args):
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    for _ in range(2):
        train_step(*arm_state, batch)
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated()
    return dict(peak_mb=peak / 2**20, step_mb=(peak - base) / 2**20)


def recorded_settings(args):
    """The run's settings as stored with its results.

    Everything but ``--out`` / ``--overwrite``: where (and whether over an older file) the
    record is written is not a setting of the measurement, and records are kept in the repository.
    """
    return {k: v for k, v in vars(args).items() if k not in ('out', 'overwrite')}


def write_results(results, path):
    """Write the results as JSON to ``path`` (nothing when no path was given)."""
    if path:
        with open(path, 'w') as f:
            json.dump(results, f, indent=2)


def count_ops(args):
    """One warm step per arm, then one counted step; the extra over CutMix per block."""
    from op_counts import count_host_work, host_work_rows, print_host_work
    from tlalign_mm.alignment.label_riding_attention import kernels_chosen_as
    batch = make_batch(args, 0)
    counts = {}
    for arm in args.arms:
        state = build_arm(arm, args)
        # The same boxes and partners in every run: some ops depend on the draw (the partner
        # repair of a fixed point, an empty box).
        np.random.seed(0)
        torch.manual_seed(0)
        with kernels_chosen_as(args.as_device or args.device):
            train_step(*state, batch)
            counts[arm] = count_host_work(lambda: train_step(*state, batch))
    blocks = num_blocks(state[0].backbone)
    rows = host_work_rows(counts, blocks, base='cutmix' if 'cutmix' in args.arms else args.arms[0])
    chosen = f', kernels as on {args.as_device}' if args.as_device else ''
    print_host_work(rows, blocks, f'{args.device}{chosen}')
    results = dict(config=recorded_settings(args), blocks=blocks, arms=rows)
    write_results(results, args.out)
    return results


def num_blocks(backbone):
    if hasattr(backbone, 'stages'):
        return sum(len(stage.blocks) for stage in backbone.stages)
    return len(backbone.layers)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.memory_child:
        return memory_child(args.memory_child, args)
    from tlalign_mm.utils.output_guard import OutputExistsError, refuse_existing
    try:
        refuse_existing([args.out], args.overwrite)
    except OutputExistsError as err:
        sys.exit(f'error: {err}')
    if args.count_ops:
        return count_ops(args)

    torch.backends.cuda.matmul.allow_tf32 = True
    print(f'TL-Align overhead: {args.backbone} {args.arch} {args.img_size}px batch {args.batch} '
          f'(box grid {args.patch_size} px) on '
          f'{args.device} ({torch.get_num_threads()} threads), kernel={args.kernel}, '
          f'{args.rounds} rounds x {args.steps} steps', flush=True)
    states = {arm: build_arm(arm, args) for arm in args.arms}
    batch = make_batch(args, 0)
    for arm, state in states.items():
        for _ in range(args.warmup):
            train_step(*state, batch)
    times = {arm: [] for arm in args.arms}
    for r in range(args.rounds):
        # Rotate the order (ABC, BCA, CAB, ...): whatever one arm leaves behind (caches, heap,
        # the K-dim arm's large label maps) falls on every arm equally often.
        shift = r % len(args.arms)
        for arm in args.arms[shift:] + args.arms[:shift]:
            times[arm].append(timed_steps(states[arm], batch, args))
        print(f'  round {r + 1}/{args.rounds}: ' +
              ', '.join(f'{a} {times[a][-1] * 1e3:.1f} ms' for a in args.arms), flush=True)

    if args.skip_memory:
        memory = {arm: dict(peak_mb=float('nan'), step_mb=float('nan')) for arm in args.arms}
    elif args.device == 'cuda':
        memory = {arm: cuda_memory(states[arm], batch, args) for arm in args.arms}
    else:
        del states
        memory = {arm: cpu_memory(arm, argv) for arm in args.arms}

    base = 'cutmix' if 'cutmix' in args.arms else args.arms[0]
    base_time = statistics.median(times[base])
    results = dict(config=recorded_settings(args), arms={},
                   malloc={k: os.environ.get(k) for k in STEADY_MALLOC})
    print(f'\n{"arm":<16}{"step ms":>10}{"time ratio":>12}{"round ratios":>16}{"peak MB":>10}'
          f'{"peak ratio":>12}{"step MB":>10}{"step-mem ratio":>16}')
    for arm in args.arms:
        median = statistics.median(times[arm])
        mem = memory[arm]
        per_round = [t / b for t, b in zip(times[arm], times[base])]
        row = dict(step_ms=median * 1e3, time_ratio=median / base_time,
                   round_ratios=per_round,
                   peak_mb=mem['peak_mb'], peak_ratio=mem['peak_mb'] / memory[base]['peak_mb'],
                   step_mb=mem['step_mb'],
                   step_mem_ratio=mem['step_mb'] / max(memory[base]['step_mb'], 1e-9),
                   times_ms=[t * 1e3 for t in times[arm]])
        results['arms'][arm] = row
        spread = f'{min(per_round):.3f}-{max(per_round):.3f}'
        print(f'{arm:<16}{row["step_ms"]:>10.1f}{row["time_ratio"]:>12.4f}{spread:>16}'
              f'{row["peak_mb"]:>10.0f}{row["peak_ratio"]:>12.4f}{row["step_mb"]:>10.0f}'
              f'{row["step_mem_ratio"]:>16.4f}')
    write_results(results, args.out)
    return results


def reexec_with_steady_malloc(argv):
    """Re-run the timing process with STEADY_MALLOC set, before tlalign_mm (and through it
    mmpretrain and mmdet) is imported: the re-run imports them anyway. ``--help`` and options
    the tool does not know are left to this process's full parser."""
    args, unknown = build_parser(kernels=None, add_help=False).parse_known_args(argv)
    if unknown or args.device != 'cpu' or args.system_malloc or args.memory_child or \
            args.count_ops or all(os.environ.get(k) == v for k, v in STEADY_MALLOC.items()):
        return
    print('(re-running with a caching glibc heap: ' +
          ' '.join(f'{k}={v}' for k, v in STEADY_MALLOC.items()) + '; --system-malloc disables)',
          flush=True)
    os.execve(sys.executable, [sys.executable, __file__, *argv],
              dict(os.environ, **STEADY_MALLOC))


if __name__ == '__main__':
    reexec_with_steady_malloc(sys.argv[1:])
    main()
