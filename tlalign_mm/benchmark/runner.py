"""Pre-train every arm, transfer each checkpoint to every task, evaluate, report."""
import os
import os.path as osp

from mmengine.config import Config

from ..utils.config_checks import DatasetRootError, check_data_roots
from .cells import Cell, CellRunner, Progress, finished_training
from .locking import hold_work_dir
from .methods import write_methods_report
from .report import collect, collect_submetrics, write_reports
from .scheduler import Job, run_jobs
from .spec import BenchmarkConfigError, task_configs


def pretrained_init(checkpoint):
    """cfg-options that start a downstream backbone from a classifier checkpoint: the transfer
    config's one ``pretrained`` variable (see :mod:`tlalign_mm.utils.pretrained`)."""
    return [f'pretrained={checkpoint}']


def prepare_data(spec):
    """Make the demo's digits datasets if asked and missing, then check every data root."""
    os.environ['TLALIGN_DATA_ROOT'] = spec.data_root
    if spec.make_digits:
        from ..datasets.makers import MAKERS
        for kind, make in MAKERS.items():
            target = osp.join(spec.data_root, f'digits_{kind}')
            if not osp.isdir(target):
                print(f'making {target}', flush=True)
                make(target, seed=0)
        if any(task.type == 'robustness' for task in spec.tasks):
            make_digits_corrupted(spec.data_root)
    transfer = {task.config for task in spec.tasks if task.type == 'transfer'}
    for what, path in task_configs(spec):
        cfg = Config.fromfile(path)
        if path in transfer and 'pretrained' not in cfg:
            raise BenchmarkConfigError(
                f'{what}: {path} declares no top-level `pretrained` variable, so the arms\' '
                'checkpoints cannot be passed to it')
        try:
            check_data_roots(cfg)
        except DatasetRootError as err:
            raise BenchmarkConfigError(f'{what}: {err}') from None


def make_digits_corrupted(data_root):
    """Digits-C (the digits val split under 15 corruptions) for the demo's robustness tasks."""
    from ..datasets.makers.corrupted_style import make_corrupted_style
    target = osp.join(data_root, 'digits_imagenet_c')
    if not osp.isdir(target):
        print(f'making {target}', flush=True)
        make_corrupted_style(target, seed=0, source=osp.join(data_root, 'digits_imagenet'))


def build_cells(spec, work_dir):
    cells = []
    for seed in spec.seeds:
        for arm in spec.arms:
            base = osp.join(work_dir, arm.name, f'seed{seed}')
            for task in spec.tasks:
                if arm.scratch and task.type != 'transfer':
                    continue  # no pre-trained classifier to evaluate
                name = 'pretrain' if task.type == 'pretrain' else task.name
                cells.append(Cell(arm.name, task.name, seed, osp.join(base, name)))
    return cells


def pretraining_dir(cell):
    return osp.join(osp.dirname(cell.work_dir), 'pretrain')


def build_jobs(spec, cells, runner, progress):
    """One job per unfinished cell, plus one pre-training per (arm, seed) that a cell needs.

    The pre-trainings come first, so with several slots they start before anything waits on them.
    """
    arms = {arm.name: arm for arm in spec.arms}
    tasks = {task.name: task for task in spec.tasks}
    common = list(spec.cfg_options.get('all', []))

    def pre_options(seed):
        return common + list(spec.cfg_options.get('pretrain', [])) + [f'randomness.seed={seed}']

    # The evaluation cell of a pre-training shares its folder: the training process tests the
    # final checkpoint and writes that cell's metrics (a tools/test.py run does it on resume).
    evaluated = any(task.type == 'pretrain' for task in spec.tasks)

    def pretrain(arm, seed, work_dir):
        def run():
            if finished_training(work_dir) is None:
                with progress.job(f'{arm.name} / pre-training / seed {seed}'):
                    metrics_file = osp.join(work_dir, 'metrics.json') if evaluated else None
                    runner.train(arm.pretrain, work_dir, pre_options(seed), metrics_file)
        return run

    def evaluate(index, cell):
        arm, task = arms[cell.arm], tasks[cell.task]

        def run():
            checkpoint = None if arm.scratch else finished_training(pretraining_dir(cell))
            with progress.job(f'{cell.arm} / {cell.task} / seed {cell.seed}', index) as line:
                if task.type == 'pretrain':
                    metrics = (cell.metrics() if cell.done else  # tested by its pre-training
                               runner.test(arm.pretrain, checkpoint, cell, pre_options(cell.seed)))
                elif task.type == 'robustness':
                    opts = common + list(spec.cfg_options.get(task.name, []))
                    metrics = runner.test(task.config, checkpoint, cell, opts)
                else:
                    key = task.name.rsplit('.', 1)[0] if task.method else task.name
                    opts = (common + list(spec.cfg_options.get(key, [])) +  # methods share
                            [f'randomness.seed={cell.seed}'])
                    # trained, then tested in one process with the same options, so the test
                    # also starts from the pre-training checkpoint (an adapter checkpoint
                    # holds no frozen backbone)
                    runner.train(task.config, cell.work_dir, opts + pretrained_init(checkpoint),
                                 metrics_file=cell.metrics_file)
                    metrics = cell.metrics()
                line.append(f'{task.metric} = {metrics[task.metric]:.4f}')
        return run

    pretrainings, evaluations = {}, []
    for index, cell in enumerate(cells, 1):
        if cell.done:
            print(f'[{index}/{len(cells)}] {cell.arm} / {cell.task} / seed {cell.seed}: '
                  'finished earlier, skipped', flush=True)
            continue
        arm = arms[cell.arm]
        needs = []
        if not arm.scratch:
            key = ('pretrain', arm.name, cell.seed)
            if key not in pretrainings:
                pretrainings[key] = Job(key, pretrain(arm, cell.seed, pretraining_dir(cell)))
            needs.append(key)
        evaluations.append(Job(('cell', index), evaluate(index, cell), needs))
    return [*pretrainings.values(), *evaluations]


def run_benchmark(spec, work_dir, repo_root, slots=None):
    """Every cell of ``spec`` in ``work_dir`` (finished ones skipped), then the reports.

    ``slots`` (default: the config's ``jobs``) runs that many cells side by side; each cell's
    process gets the config's ``threads_per_cell`` CPU threads, so its numbers do not depend on
    how many run beside it.
    """
    prepare_data(spec)
    hold_work_dir(work_dir)  # refuses a second benchmark process on this work dir
    runner = CellRunner(repo_root, spec.data_root, gpus=spec.gpus,
                        threads=spec.threads_per_cell)
    cells = build_cells(spec, work_dir)
    slots = slots or spec.jobs
    progress = Progress(len(cells), slots)
    jobs = build_jobs(spec, cells, runner, progress)
    progress.expect(len(jobs))
    run_jobs(jobs, slots)
    table = collect(spec, cells)
    markdown, paths = write_reports(spec, table, work_dir,
                                    submetrics=collect_submetrics(spec, cells))
    return markdown + write_methods_report(spec, table, cells, work_dir), paths
