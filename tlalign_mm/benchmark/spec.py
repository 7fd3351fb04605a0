"""A benchmark definition (arms x tasks x seeds), checked in full before anything trains.

Parsing reads the benchmark config and checks names, seeds and the shape of every entry; it needs
mmengine's config reader only, never the model stack.
"""
import ast
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config
from ..errors import TLAlignError

# The built-in digits datasets a benchmark can make (tlalign_mm.datasets.makers.MAKERS).
DIGITS_KINDS = ('imagenet', 'ade20k', 'coco', 'cub')

# pretrain: test the arm's own config; transfer: train + test a downstream config from the arm's
# checkpoint; robustness: test the arm's checkpoint with a robustness test config, no training.
TASK_TYPES = ('pretrain', 'transfer', 'robustness')


class BenchmarkConfigError(TLAlignError, ValueError):
    """The benchmark config names something that does not exist or cannot be measured."""


@dataclass
class Arm:
    name: str
    pretrain: Optional[str]  # None: the from-scratch reference (downstream backbones start random)
    label: str
    control: bool = False  # worse by construction: shows what the benchmark can detect
    options: List[str] = field(default_factory=list)  # this arm's own pre-training cfg_options
    # a checkpoint pre-trained elsewhere (e.g. converted from timm): nothing is pre-trained;
    # `pretrain`, if given, is only the config its classification task is tested with
    pretrained: Optional[str] = None

    @property
    def scratch(self) -> bool:
        return self.pretrain is None and self.pretrained is None


@dataclass
class Task:
    name: str
    type: str
    metric: str
    config: Optional[str] = None
    label: Optional[str] = None
    method: Optional[str] = None  # set on the per-method tasks of a transfer task with `methods`

    @property
    def options_key(self) -> str:
        """The ``cfg_options`` entry of this task: the methods of one task share their task's."""
        return self.name.rsplit('.', 1)[0] if self.method else self.name


@dataclass
class BenchmarkSpec:
    arms: List[Arm]
    tasks: List[Task]
    seeds: List[int]
    data_root: str
    # kind -> the maker's keyword arguments (sizes), for each digits dataset to make if missing
    make_digits: Dict[str, Dict] = field(default_factory=dict)
    cfg_options: Dict[str, List[str]] = field(default_factory=dict)
    gpus: int = 1
    baseline: Optional[str] = None  # the arm every other one is compared with, seed by seed
    jobs: int = 1  # cells run side by side
    threads_per_cell: Optional[int] = None  # CPU threads of each cell's process (None: default)
    subset: bool = False  # --arms / --tasks picked part of the config: a report of its own
    path: Optional[str] = None  # the benchmark config file

    @property
    def scratch_arm(self) -> Optional[Arm]:
        """The from-scratch reference arm, if the benchmark has one."""
        return next((arm for arm in self.arms if arm.scratch), None)


def _existing(path, what, root):
    full = path if osp.isabs(path) else osp.join(root, path)
    if not osp.isfile(full):
        raise BenchmarkConfigError(f'{what}: config file not found: {path}')
    return full


def _selected(cfgs, wanted):
    """``(name, cfg)`` of the entries ``wanted`` names (all when it names none)."""
    return [(name, item) for name, item in cfgs.items() if not wanted or name in wanted]


def repeated_literal_keys(path: str) -> None:
    """Refuse a ``{...}`` literal that repeats a key in the benchmark config file.

    Python keeps the last of two equal keys without a word, so a copied arm entry would silently
    replace the first (the baseline could become another config). ``dict(a=.., a=..)`` is
    already a syntax error; a literal has to be read from the source.
    """
    with open(path) as f:
        tree = ast.parse(f.read(), filename=path)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        seen = set()
        for key in node.keys:
            if isinstance(key, ast.Constant):
                if key.value in seen:
                    raise BenchmarkConfigError(
                        f'{path}, line {key.lineno}: the {{...}} literal repeats the key '
                        f'{key.value!r}; each arm and task needs a name of its own')
                seen.add(key.value)


def _parse_seeds(seeds, baseline, path) -> List[int]:
    if not isinstance(seeds, (list, tuple)) or not seeds:
        raise BenchmarkConfigError(f'{path}: `seeds` must be a non-empty list of integers, '
                                   f'got {seeds!r}')
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise BenchmarkConfigError(f'{path}: `seeds` must be integers, got {list(seeds)!r}')
    repeated = sorted({s for s in seeds if list(seeds).count(s) > 1})
    if repeated:
        raise BenchmarkConfigError(f'{path}: seeds {repeated} are listed more than once; one run '
                                   'counted twice would fake a narrow interval')
    if baseline is not None and len(seeds) < 2:
        raise BenchmarkConfigError(
            f'{path}: a comparison with baseline {baseline!r} needs at least two seeds (one '
            f'paired difference has no spread); got seeds={list(seeds)}')
    return list(seeds)


def _pretrained_file(path, name, root):
    full = path if osp.isabs(path) else osp.join(root, path)
    if not isinstance(path, str) or not osp.isfile(full):
        raise BenchmarkConfigError(f'arm {name!r}: pretrained checkpoint not found: {path}')
    return full


def _parse_arm(name, arm, root):
    if not isinstance(arm, dict) or ('pretrain' not in arm and 'pretrained' not in arm):
        raise BenchmarkConfigError(
            f'arm {name!r} needs a `pretrain` config (None for a from-scratch reference) or a '
            '`pretrained` checkpoint made elsewhere')
    pretrain = (None if arm.get('pretrain') is None
                else _existing(arm['pretrain'], f'arm {name!r}', root))
    pretrained = (None if arm.get('pretrained') is None
                  else _pretrained_file(arm['pretrained'], name, root))
    control = bool(arm.get('control', False))
    options = arm.get('cfg_options', [])
    if (control or options) and pretrain is None:
        raise BenchmarkConfigError(f'arm {name!r}: a control arm or arm cfg_options need a '
                                   '`pretrain` config')
    if (control or options) and pretrained is not None:
        raise BenchmarkConfigError(f'arm {name!r}: a `pretrained` checkpoint is not trained '
                                   'here, so it takes no control flag or arm cfg_options')
    if not isinstance(options, (list, tuple)) or not all(
            isinstance(v, str) and '=' in v for v in options):
        raise BenchmarkConfigError(f"arm {name!r}: cfg_options must be a list of 'key=value' "
                                   f'strings, got {options!r}')
    return Arm(name, pretrain, arm.get('label', name), control, list(options), pretrained)


def _method_tasks(name, task, root):
    """One transfer task per method of a task with ``methods`` (see :mod:`.methods`)."""
    methods = task['methods']
    if not isinstance(methods, dict) or not methods:
        raise BenchmarkConfigError(f'task {name!r}: `methods` must be a non-empty dict of '
                                   'name -> dict(config=..., label=...)')
    tasks = []
    for method, entry in methods.items():
        if 'config' not in entry:
            raise BenchmarkConfigError(f'task {name!r}, method {method!r} needs a `config`')
        config = _existing(entry['config'], f'task {name!r}, method {method!r}', root)
        label = f'{task.get("label", name)} · {entry.get("label", method)}'
        tasks.append(Task(f'{name}.{method}', 'transfer', task['metric'], config, label, method))
    return tasks


def _parse_task(name, task, root):
    """The benchmark tasks of one task entry (one per transfer method where it lists them)."""
    kind = task.get('type')
    if kind not in TASK_TYPES:
        raise BenchmarkConfigError(
            f'task {name!r} has unknown type {kind!r}; known types: {TASK_TYPES}')
    if 'metric' not in task:
        raise BenchmarkConfigError(f'task {name!r} needs a `metric` to report')
    if kind == 'transfer' and 'methods' in task:
        return _method_tasks(name, task, root)
    config = None
    if kind in ('transfer', 'robustness'):
        config = _existing(task.get('config', ''), f'task {name!r}', root)
    return [Task(name, kind, task['metric'], config, task.get('label', name))]


def _parse_make_digits(value, path) -> Dict[str, Dict]:
    """``data.make_digits``: True (every kind at the makers' default sizes) or a dict of kind ->
    maker keyword arguments (e.g. ``imagenet=dict(train_per_class=300)``)."""
    if value is True:
        return {kind: {} for kind in DIGITS_KINDS}
    if not value:
        return {}
    if not isinstance(value, dict):
        raise BenchmarkConfigError(f'{path}: data.make_digits must be True or a dict of kind -> '
                                   f'maker arguments, got {value!r}')
    unknown = sorted(set(value) - set(DIGITS_KINDS))
    if unknown:
        raise BenchmarkConfigError(f'{path}: data.make_digits names unknown kinds {unknown}; '
                                   f'known: {list(DIGITS_KINDS)}')
    return {kind: dict(value[kind] or {}) for kind in DIGITS_KINDS if kind in value}


def _parse_cfg_options(options, arm_cfgs, task_cfgs, path):
    """``cfg_options``: lists of ``key=value`` under ``all``, ``pretrain`` or a task's name."""
    options = dict(options or {})
    known = {'all', 'pretrain', *task_cfgs}
    for key, value in options.items():
        if key not in known:
            raise BenchmarkConfigError(
                f'{path}: cfg_options entry {key!r} is neither `all`, `pretrain` nor a task '
                f'({sorted(task_cfgs)})')
        if not isinstance(value, (list, tuple)) or not all(
                isinstance(v, str) and '=' in v for v in value):
            raise BenchmarkConfigError(f'{path}: cfg_options[{key!r}] must be a list of '
                                       f"'key=value' strings, got {value!r}")
    return {key: list(value) for key, value in options.items()}


def load_spec(path: str, root: str, arms: Optional[Sequence[str]] = None,
              tasks: Optional[Sequence[str]] = None) -> BenchmarkSpec:
    """Read a benchmark config; ``arms``/``tasks`` optionally select a subset by name."""
    if not osp.isfile(path):
        raise BenchmarkConfigError(f'benchmark config not found: {path}')
    repeated_literal_keys(path)
    cfg = Config.fromfile(path, import_custom_modules=False)
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
    seeds = _parse_seeds(cfg.get('seeds', [0]), baseline, path)
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
        arms=spec_arms, tasks=spec_tasks, seeds=seeds,
        data_root=osp.abspath(osp.join(root, data_root)),
        make_digits=_parse_make_digits(data.get('make_digits', False), path),
        cfg_options=_parse_cfg_options(cfg.get('cfg_options'), arm_cfgs, task_cfgs, path),
        gpus=gpus, baseline=baseline, jobs=jobs, threads_per_cell=threads,
        subset=bool(arms or tasks), path=osp.abspath(path))


def task_configs(spec: BenchmarkSpec):
    """Every (what, config path) a run of ``spec`` trains or tests."""
    for arm in spec.arms:
        if arm.pretrain:
            yield f'arm {arm.name!r}', arm.pretrain
    for task in spec.tasks:
        if task.config:
            yield f'task {task.name!r}', task.config
