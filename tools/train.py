"""Train any tlalign_mm config: mmpretrain, mmseg or mmdet (the config's ``default_scope`` decides).

Usage: python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--tensorboard]
       [--allow-nonfinite-loss] [--allow-missing-weights] [--out-metrics metrics.json]
       [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import sys

from tool_args import (add_run_arguments, add_tensorboard_argument, parse_run_arguments,
                       run_tool)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model (mmpretrain / mmseg / mmdet)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in the work dir '
        'when no path is given')
    parser.add_argument(
        '--amp', action='store_true',
        help='mixed precision: fp16 with loss scaling on CUDA, bf16 autocast on CPU')
    add_tensorboard_argument(parser, "under the run's vis_data folder")
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the actual total batch size')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--allow-nonfinite-loss', action='store_true',
        help='warn and go on at a NaN/inf loss instead of stopping before it is saved')
    parser.add_argument(
        '--allow-missing-weights', action='store_true',
        help='load a --resume / load_from checkpoint even if it leaves model weights '
        'uninitialised (e.g. fine-tuning a new head from a full checkpoint)')
    parser.add_argument(
        '--out-metrics', help='after training, evaluate the last checkpoint with the config\'s '
        'test loop, as tools/test.py does, and write the metrics as JSON to this file')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='train into a work dir that holds another run\'s checkpoints, and replace an '
        'existing --out-metrics file (without it both are refused)')
    add_run_arguments(parser, 'model.head.num_classes=10')
    return parse_run_arguments(parser, argv)


def main(argv=None):
    run_tool(train, parse_args(argv))


def train(args):
    from launch_utils import (TLAlignError, add_tensorboard, apply_amp, apply_device_defaults,
                              apply_reliability_defaults, build_runner, check_loaded_checkpoint,
                              config_build_errors, load_config, one_line, refuse_earlier_run,
                              refuse_existing, resolve_resume, warn_config_changes)

    try:  # a misspelled type or keyword in the config is one line too
        with config_build_errors():
            cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
            refuse_existing([args.out_metrics], args.overwrite)
            if args.resume is None:
                refuse_earlier_run(cfg.work_dir, args.overwrite)
            else:
                resolve_resume(cfg, args.resume)
            if args.amp:
                apply_amp(cfg)
            if args.tensorboard:
                add_tensorboard(cfg)
            if args.no_validate:
                cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
            if args.auto_scale_lr:
                cfg.setdefault('auto_scale_lr', {})['enable'] = True
            apply_device_defaults(cfg)
            hooks = cfg.get('custom_hooks') or []
            if not any(h.get('type') == 'DatasetSanityHook' for h in hooks):
                hooks.append(dict(type='DatasetSanityHook'))
            cfg.custom_hooks = hooks
            apply_reliability_defaults(cfg, allow_nonfinite_loss=args.allow_nonfinite_loss)
            if cfg.get('resume') and cfg.get('load_from'):
                warn_config_changes(cfg)
            runner = build_runner(cfg, check_loaders=('train_dataloader', 'val_dataloader'),
                                  check_pretrained=True,
                                  allow_random_base=args.allow_random_base)
            if not args.allow_missing_weights:
                check_loaded_checkpoint(runner, cfg.get('load_from'))
            runner.train()
    except TLAlignError as err:  # bad input, set-up, data or a non-finite loss: one line, exit 1
        sys.exit(f'error: {one_line(err)}')
    if args.out_metrics:
        del runner  # its model and loaders; the test runner builds its own
        test_after_training(args, cfg.work_dir)


def test_after_training(args, work_dir):
    """Evaluate the checkpoint the run recorded last, in this process: the same runner
    tools/test.py would build, without starting and importing everything a second time."""
    from launch_utils import (TLAlignError, build_test_runner, config_build_errors, one_line,
                              write_metrics)
    from mmengine.runner import find_latest_checkpoint  # what CheckpointHook recorded last
    checkpoint = find_latest_checkpoint(work_dir)
    if checkpoint is None:
        sys.exit(f'error: --out-metrics: the run saved no checkpoint in {work_dir}')
    try:
        with config_build_errors():
            runner = build_test_runner(args.config, checkpoint, args.cfg_options, work_dir,
                                       args.launcher, args.allow_missing_weights,
                                       args.allow_random_base)
            metrics = runner.test()
    except TLAlignError as err:
        sys.exit(f'error: {one_line(err)}')
    write_metrics(args.out_metrics, runner, metrics)


if __name__ == '__main__':
    main()
