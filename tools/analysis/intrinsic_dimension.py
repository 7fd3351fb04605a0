"""Intrinsic dimension of a transfer task: accuracy of subspace fine-tuning vs d, and d90.

Usage:
  python tools/analysis/intrinsic_dimension.py CONFIG CHECKPOINT --dims 10 100 1000
      [--projection {fastfood,dense}] [--said] [--seed 0] [--params REGEX]
      [--full-ft-accuracy ACC] [--metric accuracy/top1] [--out-dir DIR] [--cfg-options ...]

CONFIG is a full fine-tuning config (its runner, schedule and evaluator are used as they are),
CHECKPOINT the pre-training checkpoint that gives θ₀ (it replaces the config's ``pretrained``).
For each d the model is re-parametrised as θ = θ₀ + P θ_d (SAID: θ₀ + λ_t ⊙ P θ_d), trained
with the config's schedule and tested with its test evaluator. The full fine-tune reference is
the same config trained normally (unless --full-ft-accuracy gives it). Writes
``intrinsic_dimension.json`` (accuracy per d, the reference, d90) and ``.png`` (log x).
"""
import argparse
import json
import os
import os.path as osp
import sys
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from mmengine.config import DictAction  # noqa: E402

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='intrinsic dimension of fine-tuning')
    parser.add_argument('config', help='full fine-tuning config')
    parser.add_argument('checkpoint', help='pre-training checkpoint (θ₀ of the backbone)')
    parser.add_argument('--dims', type=int, nargs='+', required=True, help='subspace dims d')
    parser.add_argument('--projection', choices=['fastfood', 'dense'], default='fastfood')
    parser.add_argument('--said', action='store_true', help='per-tensor scales (SAID)')
    parser.add_argument('--seed', type=int, default=0, help='projection seed')
    parser.add_argument('--params', help='re-parametrise only parameters matching this regex')
    parser.add_argument('--full-ft-accuracy', type=float,
                        help='reference accuracy of full fine-tuning (default: train it)')
    parser.add_argument('--metric', default='accuracy/top1', help='test metric to report')
    parser.add_argument('--out-dir', help='default: work_dirs/intrinsic_dimension/<config>')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace existing outputs (refused without it)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings (schedule, lr, loaders, ...)')
    return parser.parse_args(argv)


def make_runner(cfg, model, work_dir):
    """The config's runner around an already built ``model`` (Runner.from_cfg builds its own)."""
    from mmengine.runner import Runner
    hooks = dict(cfg.get('default_hooks') or {}, checkpoint=None)  # the JSON is the result
    return Runner(
        model=model, work_dir=work_dir, experiment_name=osp.basename(work_dir),
        train_dataloader=cfg.get('train_dataloader'), val_dataloader=cfg.get('val_dataloader'),
        test_dataloader=cfg.get('test_dataloader'), train_cfg=cfg.get('train_cfg'),
        val_cfg=cfg.get('val_cfg'), test_cfg=cfg.get('test_cfg'),
        auto_scale_lr=cfg.get('auto_scale_lr'), optim_wrapper=cfg.get('optim_wrapper'),
        param_scheduler=cfg.get('param_scheduler'), val_evaluator=cfg.get('val_evaluator'),
        test_evaluator=cfg.get('test_evaluator'), default_hooks=hooks,
        custom_hooks=cfg.get('custom_hooks'), env_cfg=cfg.get('env_cfg', dict()),
        log_processor=cfg.get('log_processor'), log_level=cfg.get('log_level', 'INFO'),
        visualizer=cfg.get('visualizer'), default_scope=cfg.get('default_scope', 'mmengine'),
        randomness=cfg.get('randomness', dict(seed=None)), launcher='none', cfg=cfg)


def build_initialised(cfg):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def train_and_test(cfg, model, work_dir, metric):
    runner = make_runner(cfg, model, work_dir)
    runner.train()
    metrics = runner.test()
    if metric not in metrics:
        raise KeyError(f'the test evaluator reports {sorted(metrics)}, not {metric!r}')
    return float(metrics[metric])


def plot(result, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.plot(result['dims'], result['accuracy'], 'o-', label='subspace')
    ax.axhline(result['full_ft_accuracy'], color='k', ls='--', label='full fine-tune')
    ax.axhline(0.9 * result['full_ft_accuracy'], color='grey', ls=':', label='90%')
    if result['d90'] is not None:
        ax.axvline(result['d90'], color='C3', ls=':', label=f'd90 = {result["d90"]}')
    ax.set_xscale('log')
    ax.set_xlabel('subspace dimension d')
    ax.set_ylabel(result['metric'])
    ax.set_title(f'{result["projection"]}{" + SAID" if result["said"] else ""}, '
                 f'D = {result["full_dim"]:,}', fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args):
    sys.path.insert(0, TOOLS)
    from launch_utils import (ToolInputError, apply_device_defaults, load_config,
                              refuse_existing)
    from tlalign_mm.intrinsic import SubspaceModel, d90
    from tlalign_mm.utils.pretrained import check_pretrained_exists, use_pretrained

    if not osp.isfile(args.checkpoint):
        raise ToolInputError(f'checkpoint not found: {args.checkpoint}')
    out_dir = args.out_dir or osp.join('work_dirs', 'intrinsic_dimension',
                                       osp.splitext(osp.basename(args.config))[0])
    refuse_existing([osp.join(out_dir, f'intrinsic_dimension.{ext}') for ext in ('json', 'png')]
                    + [osp.join(out_dir, f'd{dim}') for dim in args.dims], args.overwrite)
    cfg = load_config(args.config, args.cfg_options, out_dir, 'none')
    use_pretrained(cfg, args.checkpoint)
    check_pretrained_exists(cfg)
    apply_device_defaults(cfg)
    os.makedirs(out_dir, exist_ok=True)
    accuracies, full_dim = [], None
    for dim in sorted(args.dims):
        model = SubspaceModel(build_initialised(cfg), dim, args.projection, args.said,
                              args.seed, args.params)
        full_dim = model.full_dim
        accuracies.append(train_and_test(cfg, model, osp.join(out_dir, f'd{dim}'), args.metric))
        print(f'd = {dim}: {args.metric} = {accuracies[-1]:.2f}', flush=True)
    full = args.full_ft_accuracy
    if full is None:
        full = train_and_test(cfg, build_initialised(cfg), osp.join(out_dir, 'full'),
                              args.metric)
    result = dict(config=args.config, checkpoint=args.checkpoint, metric=args.metric,
                  projection=args.projection, said=args.said, seed=args.seed,
                  full_dim=full_dim, dims=sorted(args.dims), accuracy=accuracies,
                  full_ft_accuracy=full, d90=d90(sorted(args.dims), accuracies, full))
    with open(osp.join(out_dir, 'intrinsic_dimension.json'), 'w') as f:
        json.dump(result, f, indent=2)
    plot(result, osp.join(out_dir, 'intrinsic_dimension.png'))
    return result


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, TOOLS)
    from launch_utils import TLAlignError, config_build_errors
    try:
        with config_build_errors():
            result = run(args)
    except TLAlignError as err:
        sys.exit(f'error: {err}')
    print(f'full fine-tune: {result["full_ft_accuracy"]:.2f}; d90 = {result["d90"]}')
    return result


if __name__ == '__main__':
    main()
