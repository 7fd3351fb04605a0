"""A benchmark definition (arms x tasks x seeds), checked in full before anything trains."""
import os
import os.path as osp
from dataclasses import dataclass, field

from mmengine.config import Config

from .methods import method_tasks

# pretrain: test the arm's own config; transfer: train + test a downstream config from the arm's
# checkpoint; robustness: test the arm's checkpoint with a robustness test config, no training.
TASK_TYPES = ('pretrain', 'transfer', 'robustness')


class BenchmarkConfigError(ValueError):
    """The benchmark config names something that does not exist."""


@dataclass
class Arm:
    name: str
    pretrain: str  # None: the from-scratch reference (downstream backbones start random)
    label: str

    @property
    def scratch(self):
        return self.pretrain is None


@dataclass
class Task:
    name: str
    type: str
    metric: str
    config: str = None
    label: str = None
    method: str = None  # set on the per-method tasks of a transfer task with `methods`


@dataclass
class BenchmarkSpec:
    arms: list
    tasks: list
    seeds: list
    data_root: str
    make_digits: bool = False
    cfg_options: dict = field(default_factory=dict)
    gpus: int = 1
    baseline: str = None  # the arm every other one is compared with, seed by seed
    jobs: int = 1  # cells run side by side
    threads_per_cell: int = None  # CPU threads of each cell's process (None: torch's default)


def _existing(path, what, root):
    full = path if osp.isabs(path) else osp.join(root, path)
    if not osp.isfile(full):
        raise BenchmarkConfigError(f'{what}: config file not found: {path}')
    return full


def _selected(cfgs, wanted):
    """``(name, cfg)`` of the entries ``wanted`` names (all when it names none)."""
    return [(name, item) for name, item in cfgs.items() if not wanted or name in wanted]


def _parse_arm(name, arm, root):
    if 'pretrain' not in arm:
        raise BenchmarkConfigError(f'arm {name!r} needs a `pretrain` config (None for a '
                                   'from-scratch reference)')
    pretrain = (None if arm['pretrain'] is None
                else _existing(arm['pretrain'], f'arm {name!r}', root))
    return Arm(name, pretrain, arm.get('label', name))


def _parse_task(name, task, root):
    """The benchmark tasks of one task entry (one per transfer method where it lists them)."""
    kind = task.get('type')
    if kind not in TASK_TYPES:
        raise BenchmarkConfigError(
            f'task {name!r} has unknown type {kind!r}; known types: {TASK_TYPES}')
    if 'metric' not in task:
        raise BenchmarkConfigError(f'task {name!r} needs a `metric` to report')
    if kind == 'transfer' and 'methods' in task:
        return method_tasks(
            name, task, lambda n, c, lab, m: Task(n, kind, task['metric'], c, lab, m),
            lambda p, what: _existing(p, what, root))
    config = None
    if kind in ('transfer', 'robustness'):
        config = _existing(task.get('config', ''), f'task {name!r}', root)
    return [Task(name, kind, task['metric'], config, task.get('label', name))]


def load_spec(path, root, arms=None, tasks=None):
    """Read a benchmark config; ``arms``/``tasks`` optionally select a subset by name."""
    if not osp.isfile(path):
        raise BenchmarkConfigError(f'benchmark config not found: {path}')
    cfg = Config.fromfile(path)
    arm_cfgs, task_cfgs = cfg.get('arms') or {}, cfg.get('tasks') or {}
    if not arm_cfgs or not task_cfgs:
        raise BenchmarkConfigError(f'{path} must define non-empty `arms` and `tasks` dicts')
    for kind, wanted, known in (('arm', arms, arm_cfgs), ('task', tasks, task_cfgs)):
        unknown = sorted(set(wanted or ()) - set(known))
        if unknown:
            raise BenchmarkConfigError(f'unknown {kind}(s) {unknown}; {path} defines '
                                       f'{sorted(known)}')
    spec_arms = [_parse_arm(name, arm, root) for name, arm in _selected(arm_cfgs, arms)]
    baseline = cfg.get('baseline')
    if baseline is not None and baseline not in arm_cfgs:
        raise BenchmarkConfigError(f'baseline {baseline!r} is not an arm; {path} defines '
                                   f'{sorted(arm_cfgs)}')
    spec_tasks = [t for name, task in _selected(task_cfgs, tasks)
                  for t in _parse_task(name, task, root)]
    jobs, threads = cfg.get('jobs', 1), cfg.get('threads_per_cell')
    for key, value in (('jobs', jobs), ('threads_per_cell', threads)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise BenchmarkConfigError(f'`{key}` must be a positive integer, got {value!r}')
    gpus = int(cfg.get('gpus', 1))
    if gpus > 1 and jobs > 1:
        raise BenchmarkConfigError(f'jobs={jobs} with gpus={gpus}: each cell already takes '
                                   'every GPU through tools/dist_train.sh; use jobs=1')
    data = cfg.get('data', {})
    data_root = os.environ.get('TLALIGN_DATA_ROOT') or data.get('root', 'data')
    return BenchmarkSpec(
        arms=spec_arms, tasks=spec_tasks, seeds=list(cfg.get('seeds', [0])),
        data_root=osp.abspath(osp.join(root, data_root)), make_digits=data.get('make_digits',
                                                                                False),
        cfg_options=dict(cfg.get('cfg_options', {})), gpus=gpus,
        baseline=baseline, jobs=jobs, threads_per_cell=threads)


def task_configs(spec):
    """Every (what, config path) a run of ``spec`` trains or tests."""
    for arm in spec.arms:
        if not arm.scratch:
            yield f'arm {arm.name!r}', arm.pretrain
    for task in spec.tasks:
        if task.config:
            yield f'task {task.name!r}', task.config
