"""The KAdaptation authors' few-shot hyper-parameter search, then their final run.

  python tools/peft/sweep_few_shot.py CONFIG --work-dir DIR [--lrs 1e-6 1e-5 ...]
      [--wd-log-range -6 6] [--wd-grid 97] [--wd-coarse 7] [--sweep-epochs 10]
      [--final-epochs 50] [--cfg-options k=v ...] [--overwrite]

CONFIG is a few-shot config whose training set is a ``KShotDataset`` (e.g.
configs/peft/fewshot/clip-vit-b32-openai_kadaptation_5shot_cub.py). As their toolkit does
(``hyperparameter_sweep_lr`` / ``hyperparameter_sweep`` of ELEVATER): for every learning rate, the
weight decay is searched on a log grid of ``--wd-grid`` values (``--wd-coarse`` evenly spread ones
first, then around the best with steps 8, 4, 2, 1 grid points); every trial trains
``--sweep-epochs`` on the k-shot ``train`` part and scores the best per-epoch accuracy on the
held-out ``val`` part (``KShotDataset(part=...)``). The best pair trains ``--final-epochs`` on all
k shots (train + val) and is tested on the config's test split. Each run is a normal
``tools/train.py`` process with its own folder under DIR (configs written there); trials already
run are scored again from their folders. DIR/sweep.json records every trial and the choice;
DIR/final/metrics.json the final test metrics.
"""
import argparse
import copy
import json
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
AUTHORS_LRS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)  # np.logspace(-6, -1, 6)


def parse_args(argv=None):
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    from tool_args import DictAction
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--work-dir', required=True)
    p.add_argument('--lrs', type=float, nargs='+', default=list(AUTHORS_LRS))
    p.add_argument('--wd-log-range', type=float, nargs=2, default=(-6.0, 6.0))
    p.add_argument('--wd-grid', type=int, default=97, help='log-spaced weight decays')
    p.add_argument('--wd-coarse', type=int, default=7, help='of them, tried first')
    p.add_argument('--sweep-epochs', type=int, default=10)
    p.add_argument('--final-epochs', type=int, default=50)
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    p.add_argument('--overwrite', action='store_true',
                   help='replace an existing DIR/sweep.json and final run')
    return p.parse_args(argv)


def weight_decays(low, high, grid, coarse):
    """The authors' grid and the indices of its coarse points."""
    import numpy as np
    values = np.logspace(low, high, num=grid).tolist()
    coarse_values = set(np.logspace(low, high, num=coarse).tolist())
    return values, [i for i, v in enumerate(values) if v in coarse_values]


def refined_search(score, grid_size, coarse):
    """The authors' search over grid indices: the coarse points, then the two neighbours at
    distance 8, 4, 2, 1 of the best so far. ``score(index)`` is called once per index."""
    scores = {}

    def scored(index):
        if index not in scores:
            scores[index] = score(index)
        return scores[index]

    peak = max(coarse, key=lambda i: (scored(i), -i))  # ties: the first, as theirs
    span = 8
    while span > 0:
        for index in (max(peak - span, 0), min(peak + span, grid_size - 1)):
            if index != peak and scored(index) > scores[peak]:
                peak = index
        span //= 2
    return peak, scores[peak]


def kshot_part(cfg, part, pipeline=None):
    """``cfg``'s training KShotDataset restricted to ``part`` (with another pipeline)."""
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    if dataset.get('type') != 'KShotDataset':
        raise SystemExit(f'error: {cfg.filename}: the training set is '
                         f'{dataset.get("type")}, not a KShotDataset; the sweep splits k shots')
    dataset['part'] = part
    if pipeline is not None:
        dataset['dataset']['pipeline'] = copy.deepcopy(pipeline)
    return dataset


def run_config(cfg, folder):
    """Write ``cfg`` into ``folder`` and train it there with tools/train.py (which tests the
    last checkpoint into metrics.json); returns the exit status."""
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, 'config.py')
    cfg.dump(path)
    args = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), path, '--work-dir', folder,
            '--out-metrics', osp.join(folder, 'metrics.json'), '--overwrite']
    with open(osp.join(folder, 'train.log'), 'w') as log:
        return subprocess.run(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT).returncode


def best_epoch_accuracy(folder):
    """Best validation top-1 over the epochs of the run in ``folder`` (mmengine's scalars)."""
    import glob
    values = []
    for path in glob.glob(osp.join(folder, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            values += [json.loads(line).get('accuracy/top1') for line in f]
    values = [v for v in values if v is not None]
    if not values:
        raise SystemExit(f'error: the run in {folder} logged no accuracy/top1 (see its '
                         'train.log)')
    return max(values)


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config

    import tlalign_mm  # noqa: F401
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        from tlalign_mm.utils.config_options import merge_checked_options
        from tlalign_mm.utils.pretrained import use_pretrained
        options = merge_checked_options(cfg, args.cfg_options, args.config)
        if 'pretrained' in options:
            use_pretrained(cfg, options['pretrained'])
    record_path = osp.join(args.work_dir, 'sweep.json')
    if osp.exists(record_path) and not args.overwrite:
        raise SystemExit(f'error: {record_path} exists; pass --overwrite to run the sweep again '
                         '(trials already in the folder are reused)')
    test_pipeline = cfg.test_dataloader.dataset.pipeline
    held_out = dict(cfg.test_dataloader, dataset=kshot_part(cfg, 'val', test_pipeline))
    decays, coarse = weight_decays(*args.wd_log_range, args.wd_grid, args.wd_coarse)
    trials = []

    def trial(lr, index):
        folder = osp.join(args.work_dir, 'sweep', f'lr{lr:g}_wd{decays[index]:.3g}')
        if not osp.isfile(osp.join(folder, 'metrics.json')):
            run = copy.deepcopy(cfg)
            run.train_dataloader = dict(cfg.train_dataloader,
                                        dataset=kshot_part(cfg, 'train'))
            run.val_dataloader = run.test_dataloader = held_out
            run.val_cfg = cfg.get('val_cfg') or {}
            run.val_evaluator = cfg.get('val_evaluator') or cfg.test_evaluator
            run.optim_wrapper.optimizer.update(lr=lr, weight_decay=decays[index])
            run.train_cfg.update(max_epochs=args.sweep_epochs, val_interval=1)
            if run_config(run, folder) != 0:
                raise SystemExit(f'error: trial lr={lr:g} wd={decays[index]:.3g} failed; see '
                                 f'{osp.join(folder, "train.log")}')
        score = best_epoch_accuracy(folder)
        trials.append(dict(lr=lr, weight_decay=decays[index], val_top1=score, folder=folder))
        print(f'lr {lr:g}  weight decay {decays[index]:.3g}: val top-1 {score:.2f}', flush=True)
        return score

    best = None
    for lr in args.lrs:
        index, score = refined_search(lambda i: trial(lr, i), len(decays), coarse)
        if best is None or score > best[2]:
            best = (lr, decays[index], score)
    lr, decay, score = best
    print(f'chosen: lr {lr:g}, weight decay {decay:.3g} (val top-1 {score:.2f}); final run on '
          'train + val', flush=True)
    final = copy.deepcopy(cfg)
    final.optim_wrapper.optimizer.update(lr=lr, weight_decay=decay)
    final.train_cfg.update(max_epochs=args.final_epochs, val_interval=args.final_epochs)
    final.train_dataloader = dict(cfg.train_dataloader, dataset=kshot_part(cfg, 'all'))
    folder = osp.join(args.work_dir, 'final')
    if run_config(final, folder) != 0:
        raise SystemExit(f'error: the final run failed; see {osp.join(folder, "train.log")}')
    with open(osp.join(folder, 'metrics.json')) as f:
        metrics = json.load(f)
    with open(record_path, 'w') as f:
        json.dump(dict(config=osp.abspath(args.config), trials=trials,
                       chosen=dict(lr=lr, weight_decay=decay, val_top1=score),
                       final=metrics), f, indent=2)
    print(f'final test metrics: {metrics}; {record_path}')
    return metrics


if __name__ == '__main__':
    main()
