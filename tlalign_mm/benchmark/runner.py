"""Pre-train every arm, transfer each checkpoint to every task, evaluate, report."""
import os.path as osp
from typing import Dict, List, Optional, Tuple

from ..utils.config_checks import DatasetRootError, check_data_roots
from .cells import CellRunner, Progress, finished_training
from .digits_data import make_digits
from .identity import record_identity
from .locking import hold_work_dir
from .plan import Plan, build_plan, check_reuse, set_aside_changed
from .report import report_plan
from .scheduler import Job, run_jobs
from .spec import BenchmarkConfigError, BenchmarkSpec, task_configs


def pretrained_init(checkpoint: str) -> List[str]:
    """cfg-options that start a downstream backbone from a classifier checkpoint: the transfer
    config's one ``pretrained`` variable (see :mod:`tlalign_mm.utils.pretrained`)."""
    return [f'pretrained={checkpoint}']


def prepare_data(spec: BenchmarkSpec, configs: Optional[Dict] = None) -> None:
    """Make the demo's digits datasets if asked and missing, then check every data root.

    ``configs`` are the plan's configs (read with ``spec.data_root``); read here when not given.
    """
    if configs is None:
        configs = build_plan(spec, '').configs
    if spec.make_digits:
        make_digits(spec.data_root, spec.make_digits)
        if any(task.type == 'robustness' for task in spec.tasks):
            make_digits_corrupted(spec.data_root)
    transfer = {task.config for task in spec.tasks if task.type == 'transfer'}
    for what, path in task_configs(spec):
        cfg = configs[path]
        if path in transfer and 'pretrained' not in cfg:
            raise BenchmarkConfigError(
                f'{what}: {path} declares no top-level `pretrained` variable, so the arms\' '
                'checkpoints cannot be passed to it')
        try:
            check_data_roots(cfg)
        except DatasetRootError as err:
            raise BenchmarkConfigError(f'{what}: {err}') from None


def make_digits_corrupted(data_root: str) -> None:
    """Digits-C (the digits val split under 15 corruptions) for the demo's robustness tasks."""
    from ..datasets.makers.corrupted_style import make_corrupted_style
    target = osp.join(data_root, 'digits_imagenet_c')
    if not osp.isdir(target):
        print(f'making {target}', flush=True)
        make_corrupted_style(target, seed=0, source=osp.join(data_root, 'digits_imagenet'))


def build_jobs(plan: Plan, runner: CellRunner, progress: Progress) -> List[Job]:
    """One job per unfinished cell, plus one pre-training per (arm, seed) that a cell needs.

    The pre-trainings come first, so with several slots they start before anything waits on them.
    Each job records its identity in its folder before its first output.
    """
    tasks = {task.name: task for task in plan.spec.tasks}
    # The evaluation cell of a pre-training shares its folder: the training process tests the
    # final checkpoint and writes that cell's metrics (a tools/test.py run does it on resume).
    evaluated = any(task.type == 'pretrain' for task in plan.spec.tasks)

    def pretrain(pre):
        def run():
            if finished_training(pre.work_dir) is None:
                with progress.job(f'{pre.arm.name} / pre-training / seed {pre.seed}'):
                    record_identity(pre.work_dir, pre.identity)
                    metrics_file = osp.join(pre.work_dir, 'metrics.json') if evaluated else None
                    runner.train(pre.arm.pretrain, pre.work_dir, pre.options, metrics_file)
        return run

    arms = {arm.name: arm for arm in plan.spec.arms}

    def evaluate(index, cell):
        task, pre, arm = tasks[cell.task], plan.pretraining_of(cell), arms[cell.arm]

        def run():
            checkpoint = arm.pretrained or (None if pre is None
                                            else finished_training(pre.work_dir))
            with progress.job(f'{cell.arm} / {cell.task} / seed {cell.seed}', index) as line:
                record_identity(cell.work_dir, cell.identity)
                if task.type == 'pretrain':
                    metrics = (cell.metrics() if cell.done else  # tested by its pre-training
                               runner.test(arm.pretrain, checkpoint, cell, cell.options))
                elif task.type == 'robustness':
                    metrics = runner.test(task.config, checkpoint, cell, cell.options)
                else:
                    # trained, then tested in one process with the same options, so the test
                    # also starts from the pre-training checkpoint (an adapter checkpoint
                    # holds no frozen backbone)
                    init = [] if checkpoint is None else pretrained_init(checkpoint)
                    runner.train(task.config, cell.work_dir, cell.options + init,
                                 metrics_file=cell.metrics_file)
                    metrics = cell.metrics()
                line.append(f'{task.metric} = {metrics[task.metric]:.4f}')
        return run

    pretrainings, evaluations = {}, []
    for index, cell in enumerate(plan.cells, 1):
        if cell.done:
            print(f'[{index}/{len(plan.cells)}] {cell.arm} / {cell.task} / seed {cell.seed}: '
                  'finished earlier with the same configs, options and seed; reused', flush=True)
            continue
        needs = []
        pre = plan.pretraining_of(cell)
        if pre is not None:
            key = ('pretrain', pre.arm.name, pre.seed)
            if key not in pretrainings:
                pretrainings[key] = Job(key, pretrain(pre))
            needs.append(key)
        evaluations.append(Job(('cell', index), evaluate(index, cell), needs))
    return [*pretrainings.values(), *evaluations]


def run_benchmark(spec: BenchmarkSpec, work_dir: str, repo_root: str,
                  slots: Optional[int] = None, rerun_changed: bool = False,
                  tensorboard: bool = False) -> Tuple[Plan, str, Dict[str, str]]:
    """Every cell of ``spec`` in ``work_dir`` (finished ones reused), then the reports.

    Everything is checked before the first write: the plan (configs, option keys), the data, the
    work-dir lock and every existing folder's identity. ``slots`` (default: the config's
    ``jobs``) runs that many cells side by side; each cell's process gets the config's
    ``threads_per_cell`` CPU threads, so its numbers do not depend on how many run beside it.
    ``rerun_changed`` runs again (after setting the old folder aside) every cell whose configs,
    options or seed changed since it was run. ``tensorboard`` trains every cell with
    ``tools/train.py --tensorboard`` (``tensorboard --logdir WORK_DIR`` shows each cell as a run);
    it changes no cell's identity.

    Returns the plan, the Markdown report and the paths of the results files.
    """
    plan = build_plan(spec, work_dir)
    prepare_data(spec, plan.configs)
    changed = check_reuse(plan, rerun_changed)
    hold_work_dir(work_dir)  # refuses a second benchmark process on this work dir
    set_aside_changed(changed)
    runner = CellRunner(repo_root, spec.data_root, gpus=spec.gpus,
                        threads=spec.threads_per_cell,
                        train_flags=['--tensorboard'] if tensorboard else [])
    slots = slots or spec.jobs
    progress = Progress(len(plan.cells), slots)
    jobs = build_jobs(plan, runner, progress)
    progress.expect(len(jobs))
    run_jobs(jobs, slots)
    markdown, paths = report_plan(plan)
    return plan, markdown, paths
