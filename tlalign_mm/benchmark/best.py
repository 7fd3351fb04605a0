"""The best epoch's number beside the last one, for the pre-training cells.

The TL-Align, DeiT and Swin authors report a run's best validation top-1 over its epochs; the
benchmark table reports the last epoch, which involves no selection on the validation split.
Where a pre-training config keeps its best checkpoint (``CheckpointHook(save_best=...)``, as the
paper-scale ImageNet configs do), the pre-training cell also tests that checkpoint, in a ``best/``
sub-folder of its own, and ``results_best.{json,md}`` list both numbers per arm. Configs without
``save_best`` (the digits demo) produce no best checkpoint and nothing changes for them.
"""
import glob
import os.path as osp
from typing import Optional

from ..utils.atomic_io import atomic_write_json, atomic_write_text
from .cells import Cell, CellFailed, CellRunner
from .report import report_dir
from .summary import fmt, summarise


def best_checkpoint(work_dir):
    """The checkpoint ``CheckpointHook(save_best=...)`` kept in ``work_dir``, else None.

    mmengine names it ``best_<metric with '/' as '_'>_epoch_<n>.pth`` and deletes the previous
    best whenever it saves a new one, so a finished run holds one per tracked metric.
    """
    found = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
    if len(found) > 1:
        raise CellFailed(f'{work_dir} holds {len(found)} best checkpoints '
                         f'({", ".join(osp.basename(p) for p in found)}); the benchmark reports '
                         'one: track a single metric with save_best')
    return found[0] if found else None


def best_cell(cell):
    """Where the best checkpoint of a pre-training cell is tested and its metrics kept."""
    return Cell(cell.arm, cell.task, cell.seed, osp.join(cell.work_dir, 'best'))


def evaluate_best(cell_runner, config, pretrain_dir, cell, cfg_options):
    """Test the pre-training's best checkpoint, if it kept one, into ``best_cell(cell)``."""
    checkpoint = best_checkpoint(pretrain_dir)
    best = best_cell(cell)
    if checkpoint is None or best.done:
        return None
    return cell_runner.test(config, checkpoint, best, cfg_options)


def report_best(plan, repo_root) -> Optional[str]:
    """After :func:`~.runner.run_benchmark`: test every pre-training's best checkpoint (once;
    a finished best cell is skipped like any cell) with the options the plan trained it with,
    and write ``results_best.{json,md}`` beside the other reports.

    Returns the markdown table, or None when no pre-training kept a best checkpoint.
    """
    spec = plan.spec
    runner = CellRunner(repo_root, spec.data_root, gpus=spec.gpus,
                        threads=spec.threads_per_cell)
    pretrain_tasks = {task.name for task in spec.tasks if task.type == 'pretrain'}
    cells = [c for c in plan.cells if c.task in pretrain_tasks]
    cells = [c for c in cells if plan.pretraining_of(c)]  # a given checkpoint has no epochs
    for cell in cells:
        pre = plan.pretraining_of(cell)
        evaluate_best(runner, pre.arm.pretrain, pre.work_dir, cell, pre.options)
    return write_best_report(spec, cells, report_dir(spec, plan.work_dir))


def write_best_report(spec, cells, out_dir):
    """results_best.json / .md: last and best of every pre-training task that has a best.

    Returns the markdown, or None when no cell has a best checkpoint's metrics.
    """
    metric_of = {task.name: task.metric for task in spec.tasks if task.type == 'pretrain'}
    table = {}  # (arm, task) -> {'last': [...], 'best': [...]} over seeds
    for cell in cells:
        best = best_cell(cell)
        if cell.task not in metric_of or not best.done:
            continue
        row = table.setdefault((cell.arm, cell.task), dict(last=[], best=[]))
        row['last'].append(cell.metrics()[metric_of[cell.task]])
        row['best'].append(best.metrics()[metric_of[cell.task]])
    if not table:
        return None
    labels = {arm.name: arm.label for arm in spec.arms}
    task_labels = {task.name: task.label for task in spec.tasks}
    results = {f'{arm}/{task}': dict(metric=metric_of[task], seeds=spec.seeds, **{
        kind: dict(values=values, mean=summarise(values)[0], std=summarise(values)[1])
        for kind, values in row.items()}) for (arm, task), row in table.items()}
    atomic_write_json(osp.join(out_dir, 'results_best.json'), results, indent=2)
    lines = ['| arm | task (metric) | last epoch | best epoch |', '|---|---|---|---|']
    for (arm, task), row in table.items():
        lines.append(f'| {labels[arm]} | {task_labels[task]} ({metric_of[task]}) | '
                     f'{fmt(row["last"])} | {fmt(row["best"])} |')
    markdown = '\n'.join(lines) + '\n'
    atomic_write_text(osp.join(out_dir, 'results_best.md'), markdown)
    return markdown
