"""The prepared GPU check of TL-Align: step time, peak memory and labels on one GPU, in one run.

  python tools/analysis/gpu_check.py --out docs/measurements/gpu_check_<card>.json
  python tools/analysis/gpu_check.py --dry-run --out FILE      # CPU, tiny models (the suite)

Cases (each the CutMix and TL-Align scalar arms of tools/analysis/tlalign_overhead.py, timed
side by side in rotating rounds, with CUDA peak memory): DeiT-S at batch 32 and 128 in fp32 and
bf16 autocast, Swin-T at batch 32 in fp32, and DeiT-S at batch 128 in bf16 with the backbone
compiled. Then the labels: the GPU path (``kernel='auto'``) against the materialised-attention
path (``kernel='explicit'``, fp32) on the same weights and images, for DeiT-S and Swin-T, in
fp32 and under bf16 autocast; the largest absolute difference of each is recorded. The whole run
fits in about 8 minutes on an H100 (compilation is most of it).

Reaching a GPU machine of this workplace (the device tool; its image has Python 3.12, torch and
numpy but not the OpenMMLab stack): carry the stack as wheels (mmengine, mmcv-lite — the mmcv
without compiled ops, which TL-Align does not use —, mmpretrain, mmsegmentation, mmdet,
pycocotools, addict, yapf, termcolor), e.g. in an ignored `.whl/` folder made here with
``pip download --no-deps --only-binary=:all: --python-version 3.12 ... -d .whl NAME==VERSION``,
and start the command with ``pip install --no-index --no-deps --target /tmp/site .whl/*.whl &&
export PYTHONPATH=/tmp/site:$PWD`` (docs/tl_align.md, "GPU check").
"""
import argparse
import json
import os.path as osp
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

HERE = osp.dirname(osp.abspath(__file__))
# name -> the overhead tool's arguments
CASES = {
    'deit-s_b32_fp32': ['--backbone', 'vit', '--arch', 'deit-small', '--batch', '32'],
    'deit-s_b128_fp32': ['--backbone', 'vit', '--arch', 'deit-small', '--batch', '128'],
    'deit-s_b32_bf16': ['--backbone', 'vit', '--arch', 'deit-small', '--batch', '32', '--amp'],
    'deit-s_b128_bf16': ['--backbone', 'vit', '--arch', 'deit-small', '--batch', '128', '--amp'],
    'swin-t_b32_fp32': ['--backbone', 'swin', '--arch', 'tiny', '--batch', '32'],
    'deit-s_b128_bf16_compiled': ['--backbone', 'vit', '--arch', 'deit-small', '--batch', '128',
                                  '--amp', '--compile'],
}
# --dry-run: the same cases on CPU, one step per arm at batch 2, no memory pass; DeiT-T at 32 px
# (Swin-T needs 224 px: its last stage must hold a 7x7 window)
DRY_RUN = ['--batch', '2', '--num-classes', '10', '--rounds', '1', '--steps', '1', '--warmup',
           '1', '--device', 'cpu', '--skip-memory']
TINY = dict(vit=['--arch', 'deit-tiny', '--img-size', '32', '--patch-size', '16'],
            swin=['--arch', 'tiny', '--img-size', '224'])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', required=True, help='JSON record of every case')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    p.add_argument('--dry-run', action='store_true',
                   help='CPU, tiny models, one step per arm: checks the script, measures nothing')
    p.add_argument('--cases', nargs='+', choices=list(CASES), default=list(CASES))
    return p.parse_args(argv)


def case_argv(name, dry_run):
    argv = list(CASES[name])
    if dry_run:
        backbone = argv[argv.index('--backbone') + 1]
        argv = ['--backbone', backbone] + [a for a in argv if a == '--amp'] + TINY[backbone] + \
            DRY_RUN  # no compiler run in the suite: compiling is minutes of CPU
    else:
        argv += ['--rounds', '3', '--steps', '3', '--warmup', '2', '--device', 'cuda']
    return argv + ['--arms', 'cutmix', 'tlalign-scalar']


def label_check(backbone_cfg, device, amp, size, batch=2):
    """Largest |label| difference of the GPU path against materialised attention (fp32)."""
    import torch
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from tlalign_mm.alignment import align_labels
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    backbone = MODELS.build(backbone_cfg).to(device)
    backbone.eval()  # (mmpretrain's backbones return None from train())
    images = torch.randn(batch, 3, size, size, device=device)
    with torch.no_grad():
        grid = backbone.patch_embed(images)[1]
    tokens = grid[0] * grid[1]
    labels = torch.rand(batch, tokens, 10, device=device).softmax(-1)
    reference = align_labels(backbone, images, labels, kernel='explicit')
    with torch.autocast(device, dtype=torch.bfloat16, enabled=amp):
        traced = align_labels(backbone, images, labels, kernel='auto')
    return float((traced.float() - reference).abs().max())


def main(argv=None):
    args = parse_args(argv)
    if osp.exists(args.out) and not args.overwrite:
        sys.exit(f'error: {args.out} exists; pass --overwrite to replace it')
    import torch  # after the argument checks: a refusal answers at once
    if not args.dry_run and not torch.cuda.is_available():
        sys.exit('error: no CUDA device; run with --dry-run to check the script on CPU')
    sys.path.insert(0, HERE)
    import tlalign_overhead
    device = 'cpu' if args.dry_run else 'cuda'
    record = dict(device=torch.cuda.get_device_name() if device == 'cuda' else 'cpu (dry run)',
                  torch=torch.__version__, dry_run=args.dry_run, cases={}, labels={})
    start = time.time()
    for name in args.cases:
        print(f'== {name}', flush=True)
        results = tlalign_overhead.main(case_argv(name, args.dry_run))
        record['cases'][name] = {arm: {k: row[k] for k in ('step_ms', 'time_ratio', 'peak_mb',
                                                          'peak_ratio')}
                                 for arm, row in results['arms'].items()}
    vit = dict(type='VisionTransformer', arch='deit-tiny' if args.dry_run else 'deit-small',
               img_size=32 if args.dry_run else 224, patch_size=16)
    swin = dict(type='SwinTransformer', arch='tiny', img_size=224)
    for name, cfg in (('deit-s', vit), ('swin-t', swin)):
        for amp in (False, True):
            key = f'{name}_{"bf16" if amp else "fp32"}'
            record['labels'][key] = label_check(cfg, device, amp, cfg['img_size'])
            print(f'labels {key}: max |GPU path - materialised attention| = '
                  f'{record["labels"][key]:.2e}', flush=True)
    record['seconds'] = time.time() - start
    with open(args.out, 'w') as f:
        json.dump(record, f, indent=2)
    print(f'wrote {args.out} ({record["seconds"]:.0f} s)')
    return record


if __name__ == '__main__':
    main()
