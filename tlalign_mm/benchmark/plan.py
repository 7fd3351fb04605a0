"""The benchmark's plan, built once: every pre-training and cell with its folder, the options it
runs with and its identity (:mod:`.identity`).

The runner, the best-epoch report and the transfer-methods report all read this one plan, so the
options a cell was trained with and the ones it is tested or reported with cannot drift apart.
"""
import os
import os.path as osp
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config

from .cells import Cell
from .identity import (changed_parts, config_digest, file_digest, identity, recorded_identity,
                       set_aside)
from .options import UnknownOptionKey, checked_options
from .spec import Arm, BenchmarkConfigError, BenchmarkSpec


# identity parts as the refusal names them
PART_NAMES = dict(arm_config='arm config', arm_options='arm cfg_options',
                  arm_checkpoint='arm pretrained checkpoint',
                  task_config='task config', task_options='task cfg_options', seed='seed',
                  data='digits data sizes')


@dataclass
class Pretraining:
    """One (arm, seed) pre-training; its folder is also the arm's classification cell."""
    arm: Arm
    seed: int
    work_dir: str
    options: List[str]
    identity: Dict


@dataclass
class Plan:
    spec: BenchmarkSpec
    work_dir: str
    configs: Dict[str, Config]  # every config the plan trains or tests, read once
    pretrainings: Dict[Tuple[str, int], Pretraining]
    cells: List[Cell]

    def pretraining_of(self, cell: Cell) -> Optional[Pretraining]:
        return self.pretrainings.get((cell.arm, cell.seed))

    def folders(self):
        """``(what, folder, identity)`` of every pre-training and cell, each folder once."""
        seen = set()
        for pre in self.pretrainings.values():
            seen.add(pre.work_dir)
            yield f'{pre.arm.name} / pre-training / seed {pre.seed}', pre.work_dir, pre.identity
        for cell in self.cells:
            if cell.work_dir not in seen:
                seen.add(cell.work_dir)
                yield f'{cell.arm} / {cell.task} / seed {cell.seed}', cell.work_dir, cell.identity


@contextmanager
def data_root_env(data_root: str):
    """``$TLALIGN_DATA_ROOT`` set while configs are read (their data roots name it), then put
    back: reading a plan changes nothing in the process."""
    before = os.environ.get('TLALIGN_DATA_ROOT')
    os.environ['TLALIGN_DATA_ROOT'] = data_root
    try:
        yield
    finally:
        if before is None:
            del os.environ['TLALIGN_DATA_ROOT']
        else:
            os.environ['TLALIGN_DATA_ROOT'] = before


def _options(tree, options, what, path):
    try:
        return checked_options(tree, options, path)
    except UnknownOptionKey as err:
        raise BenchmarkConfigError(f'{what}: {err}') from None


def build_plan(spec: BenchmarkSpec, work_dir: str) -> Plan:
    """Every pre-training and cell of ``spec`` under ``work_dir``; refuses an unknown option key.

    Reads each config once (without importing its ``custom_imports``); writes nothing.
    """
    paths = {arm.pretrain for arm in spec.arms if arm.pretrain}
    paths |= {task.config for task in spec.tasks if task.config}
    with data_root_env(spec.data_root):
        configs = {path: Config.fromfile(path, import_custom_modules=False)
                   for path in sorted(paths)}
    trees = {path: cfg.to_dict() for path, cfg in configs.items()}  # once per config
    digests = {path: config_digest(tree) for path, tree in trees.items()}
    common = list(spec.cfg_options.get('all', []))
    data = dict(data=spec.make_digits) if spec.make_digits else {}  # the digits' sizes
    checkpoints = {arm.pretrained: file_digest(arm.pretrained)
                   for arm in spec.arms if arm.pretrained}
    pretrainings, cells = {}, []
    for seed in spec.seeds:
        for arm in spec.arms:
            base = osp.join(work_dir, arm.name, f'seed{seed}')
            arm_parts = {}
            if arm.pretrained:  # made elsewhere: its classification cell only tests it
                arm_parts = dict(arm_checkpoint=checkpoints[arm.pretrained])
            elif not arm.scratch:
                options = _options(trees[arm.pretrain],
                                   common + list(spec.cfg_options.get('pretrain', [])) +
                                   arm.options + [f'randomness.seed={seed}'],
                                   f'arm {arm.name!r}', arm.pretrain)
                arm_parts = dict(arm_config=digests[arm.pretrain], arm_options=options)
                pretrainings[(arm.name, seed)] = Pretraining(
                    arm, seed, osp.join(base, 'pretrain'), options,
                    identity(seed=seed, **data, **arm_parts))
            for task in spec.tasks:
                if arm.scratch and task.type != 'transfer':
                    continue  # no pre-trained classifier to evaluate
                if task.type == 'pretrain' and arm.pretrained:
                    if arm.pretrain is None:
                        continue  # no config to test the given checkpoint with
                    options = _options(trees[arm.pretrain],
                                       common + list(spec.cfg_options.get('pretrain', [])),
                                       f'arm {arm.name!r}', arm.pretrain)
                    ident = identity(seed=seed, arm_config=digests[arm.pretrain],
                                     arm_options=options, **data, **arm_parts)
                    cells.append(Cell(arm.name, task.name, seed, osp.join(base, 'pretrain'),
                                      options, ident))
                    continue
                if task.type == 'pretrain':
                    pre = pretrainings[(arm.name, seed)]
                    cells.append(Cell(arm.name, task.name, seed, pre.work_dir, pre.options,
                                      pre.identity))
                    continue
                extra = common + list(spec.cfg_options.get(task.options_key, []))
                if task.type == 'transfer':
                    extra = extra + [f'randomness.seed={seed}']
                options = _options(trees[task.config], extra, f'task {task.name!r}',
                                   task.config)
                ident = identity(seed=seed, task_config=digests[task.config],
                                 task_options=options, **data, **arm_parts)
                cells.append(Cell(arm.name, task.name, seed, osp.join(base, task.name), options,
                                  ident))
    return Plan(spec, work_dir, configs, pretrainings, cells)


def check_reuse(plan: Plan, rerun_changed: bool = False) -> List[Tuple[str, str, str]]:
    """Every existing folder of the plan must have been run with the identity it has now.

    A folder that was run otherwise (or holds no record of how it was run) is refused, naming
    what changed, unless ``rerun_changed``: then ``(what, folder, reason)`` of each such folder
    is returned for :func:`set_aside_changed`. Reads only.
    """
    changed = []
    for what, folder, ident in plan.folders():
        if not osp.isdir(folder):
            continue
        recorded = recorded_identity(folder)
        if recorded is None:
            reason = 'holds no record of how it was run'
        else:
            parts = changed_parts(recorded, ident)
            if not parts:
                continue
            reason = 'was run with another ' + ', '.join(PART_NAMES.get(p, p) for p in parts)
        if not rerun_changed:
            raise BenchmarkConfigError(
                f'{what}: {folder} {reason}, so its result is not the run this benchmark names; '
                're-run it with --rerun-changed (the old folder is kept) or use another '
                '--work-dir')
        changed.append((what, folder, reason))
    return changed


def set_aside_changed(changed: List[Tuple[str, str, str]]) -> None:
    """Rename each changed folder to ``<folder>.replaced-<n>``, so its cell runs again."""
    for what, folder, reason in changed:
        print(f'{what}: {folder} {reason}; kept as {set_aside(folder)}, running it again',
              flush=True)
