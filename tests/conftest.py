"""Shared fixtures: the digits datasets are generated once per test session, each digits
pre-training run the tests read (loss curve, checkpoint, transfer) is trained once and shared,
tools run in the test process, and the session-wide settings that keep the suite fast (one torch
thread per xdist worker, mmengine's base lookups memoised, config text without yapf's reflow;
docs/testing.md says why and what each saves)."""
import contextlib
import functools
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools'))

# '+': some configs leave persistent_workers out (tools refuse unknown keys otherwise)
LOADERS_IN_MAIN_PROCESS = [option for loader in ('train_dataloader', 'val_dataloader')
                           for option in (f'{loader}.num_workers=0',
                                          f'+{loader}.persistent_workers=False')]
# One intra-op thread for the tiny models: a step takes ~30 ms either way on an idle machine,
# and on a shared CPU two OpenMP threads spin against the other jobs.
ONE_THREAD = {'OMP_NUM_THREADS': '1'}


def config_path(*parts):
    return osp.join(ROOT, 'configs', *parts)


def run_tool(args, env_extra=None, timeout=600):
    """Run ``python <tool> args`` from the repository root; returns the CompletedProcess."""
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@dataclass
class ToolRun:
    """What :func:`run_tool` returns, for a tool run in the test process."""
    returncode: int
    stdout: str
    stderr: str


def manager_classes():
    """Every mmengine ``ManagerMixin`` class (loggers, visualizers, message hubs; each subclass
    keeps its own instances) except ``DefaultScope``, which the fixture below manages."""
    from mmengine.registry import DefaultScope
    from mmengine.utils import ManagerMixin
    found, todo = [], [ManagerMixin]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls is not ManagerMixin and not issubclass(cls, DefaultScope):
            found.append(cls)
    return found


@contextlib.contextmanager
def fresh_run_globals():
    """A run in the test process starts without the loggers, visualizers and message hubs
    earlier runs left, as in a new process, and leaves them as they were. mmengine keys them by
    name (``<config name>_<timestamp>``, or a config's fixed ``name='visualizer'``): a second
    run would otherwise log and write its scalars into the first run's work dir."""
    saved = {cls: dict(cls._instance_dict) for cls in manager_classes()}
    for cls in saved:
        cls._instance_dict.clear()
    try:
        yield
    finally:
        for cls in manager_classes():
            for instance in cls._instance_dict.values():
                for handler in getattr(instance, 'handlers', [])[:]:
                    handler.close()
                    instance.removeHandler(handler)
            cls._instance_dict.clear()
            cls._instance_dict.update(saved.get(cls, {}))


def call_tool_main(args, env_extra=None):
    """``python <tool> args`` run in this process through the tool's ``main(argv)``: the
    working directory, ``sys.argv``, the script's folder on ``sys.path`` and ``env_extra`` as a
    fresh interpreter would see them, mmengine's loggers and hubs fresh
    (:func:`fresh_run_globals`); the environment, torch's thread count and its determinism
    switches are restored after.
    Returns the exit status: ``sys.exit('error: ...')`` gives 1 and prints the message to stderr,
    an uncaught error gives 1 and its traceback, as the interpreter would."""
    path, argv = osp.join(ROOT, args[0]), [str(a) for a in args[1:]]
    environ = dict(os.environ)  # tools write to it too (LOCAL_RANK, CUBLAS_WORKSPACE_CONFIG, ...)
    os.environ.update(env_extra or {})
    try:
        return _run_main(path, argv, env_extra)
    finally:
        os.environ.clear()
        os.environ.update(environ)


def _run_main(path, argv, env_extra):
    """:func:`call_tool_main` inside the environment it set up."""
    import importlib.util

    import torch

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setattr(sys, 'argv', [path, *argv])
        patch.syspath_prepend(osp.dirname(path))  # the script's folder, as for `python tool`
        spec = importlib.util.spec_from_file_location('_tool_' + osp.basename(path)[:-3], path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        threads = torch.get_num_threads()
        if (env_extra or {}).get('OMP_NUM_THREADS'):
            torch.set_num_threads(int(env_extra['OMP_NUM_THREADS']))
        # randomness.deterministic=True switches these on for the whole process
        determinism = (torch.are_deterministic_algorithms_enabled(),
                       torch.is_deterministic_algorithms_warn_only_enabled(),
                       torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
        try:
            with fresh_run_globals():
                module.main(argv)
        except SystemExit as stop:
            if isinstance(stop.code, str):
                print(stop.code, file=sys.stderr)
                return 1
            return stop.code or 0
        except Exception:  # what an uncaught error does to the interpreter
            traceback.print_exc()
            return 1
        finally:
            torch.set_num_threads(threads)
            torch.use_deterministic_algorithms(determinism[0], warn_only=determinism[1])
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = determinism[2:]
    return 0


@pytest.fixture
def tool(capfd):
    """``tool(args, env_extra=None)``: :func:`call_tool_main`, without the ~6 s of imports a
    fresh interpreter pays; returns the exit status and output as :func:`run_tool` does. Tests
    of what only a fresh process shows (launchers, resuming in a new process, environment checks
    at import) and tools that re-launch themselves (the overhead tool) keep :func:`run_tool`."""

    def run(args, env_extra=None):
        capfd.readouterr()
        code = call_tool_main(args, env_extra)
        out = capfd.readouterr()
        return ToolRun(code, out.out, out.err)

    return run


@pytest.fixture(scope='session', autouse=True)
def safety_installed():
    """The safety behaviours installed as the project's tools install them at start-up
    (importing tlalign_mm only registers names; test_plugin_only_registers.py shows that in
    fresh processes)."""
    import tlalign_mm
    tlalign_mm.install_safety()


@pytest.fixture(scope='session', autouse=True)
def one_intra_op_thread():
    """One torch thread per test process under pytest-xdist (``make test`` runs one process per
    core): the models here are tiny, and two processes of two OpenMP threads each on two cores
    spin against each other. Processes the tests start inherit it through $OMP_NUM_THREADS."""
    if not os.environ.get('PYTEST_XDIST_WORKER'):
        yield
        return
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('OMP_NUM_THREADS', '1')
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session', autouse=True)
def cached_external_config_lookup():
    """Memoise mmengine's lookup of ``mmpretrain::``/``mmseg::``/``mmdet::`` base paths.

    mmengine re-reads every metafile of the package (hundreds of YAML files, ~1 s) for each
    ``pkg::`` base it resolves, and tries that for base files too, where it ends in ValueError.
    The answer for a (package, name) pair never changes within a run, so it is cached, failure
    included; the parsing itself is untouched. Every config parsed in a test process gains,
    tools run through the ``tool`` fixture among them.
    """
    import mmengine.config.config as mmengine_config
    original = mmengine_config._get_external_cfg_path

    @functools.lru_cache(maxsize=None)
    def lookup(package_path, cfg_file):
        try:
            return original(package_path, cfg_file), None
        except ValueError as err:
            return None, str(err)

    def cached(package_path, cfg_file):
        path, failure = lookup(package_path, cfg_file)
        if failure is not None:
            # a new exception each time: re-raising one would chain every caller's frames
            # into its traceback and keep them (and their models) alive for the session
            raise ValueError(failure)
        return path

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mmengine_config, '_get_external_cfg_path', cached)
        yield


@pytest.fixture(scope='session', autouse=True)
def configs_text_without_yapf():
    """Configs logged and dumped as mmengine writes them, without yapf's reflow.

    ``Config.pretty_text`` passes the text through yapf's ``FormatCode`` (about 1 s a time) and
    a runner asks for it several times (the logged config, ``dump_config``): most of a tiny
    run's start-up. Nothing here reads the layout; the syntax check yapf made stays (the text
    is compiled), so a dump that would not load back still fails the test that wrote it.
    Tools run in fresh interpreters keep yapf.
    """
    import mmengine.config.config as mmengine_config

    def syntax_checked(text, **kwargs):
        compile(text, '<config>', 'exec')
        return text, False

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mmengine_config, 'FormatCode', syntax_checked)
        yield


@pytest.fixture(autouse=True)
def mmpretrain_default_scope():
    """Every test starts in mmpretrain's registry scope. A runner built by an earlier test leaves
    mmseg's or mmdet's scope current in the process; under pytest-xdist the order of tests is
    not fixed, so no test may depend on what another left behind."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


@pytest.fixture(scope='session')
def digits_root(tmp_path_factory):
    """A folder holding every digits dataset; exported as $TLALIGN_DATA_ROOT for the configs."""
    from tlalign_mm.datasets.makers import MAKERS
    root = tmp_path_factory.mktemp('data')
    for kind, make in MAKERS.items():
        make(str(root / f'digits_{kind}'), seed=0)
    with pytest.MonkeyPatch.context() as patch:  # restored when the session ends
        patch.setenv('TLALIGN_DATA_ROOT', str(root))
        yield root


@dataclass
class TrainedRun:
    """A finished ``tools/train.py`` run: its work dir, mmengine log text and last checkpoint."""
    work_dir: str
    log: str
    checkpoint: str


# name -> (config, --cfg-options, checkpoint file). 12 of the configs' 60 epochs (cosine over
# 12): enough to leave the loss plateau, and the logger writes every 5th of 19 iterations.
# TRAINED_FLAGS: tools/train.py switches of a run (its TensorBoard events are read by
# tests/test_tools/test_tensorboard_switch.py).
TRAINED_RUNS = dict(
    deit_tlalign=(config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py'),
                  ['train_cfg.max_epochs=12', 'default_hooks.logger.interval=5'], 'epoch_12.pth'),
    swin_tlalign=(config_path('pretrain', 'swin', 'swin-digits_tlalign_digits.py'),
                  ['default_hooks.logger.interval=5'], 'epoch_12.pth'),
    iformer_tlalign=(config_path('pretrain', 'iformer', 'iformer-digits_tlalign_digits.py'),
                     ['default_hooks.logger.interval=5'], 'epoch_12.pth'),
)
TRAINED_FLAGS = dict(deit_tlalign=['--tensorboard'])


def shared_dir(tmp_path_factory, worker_id):
    """A folder every test process of this run sees: the run's base temp dir under xdist
    (each worker has its own sub-folder of it), the session's own otherwise."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker_id != 'master' else base


@pytest.fixture(scope='session')
def worker_id(request):
    """xdist's worker name ('gw0', ...), or 'master' without xdist."""
    return getattr(request.config, 'workerinput', {}).get('workerid', 'master')


@pytest.fixture(scope='session')
def trained_digits(digits_root, tmp_path_factory, worker_id):
    """``trained_digits(name)`` -> :class:`TrainedRun` of ``TRAINED_RUNS[name]``: trained (in
    the requesting test process, as the ``tool`` fixture runs tools) on the first request of the
    test run and shared by every later one, across xdist workers too (a file lock makes the
    other workers wait for the one that trains)."""
    from filelock import FileLock
    shared = shared_dir(tmp_path_factory, worker_id)

    def get(name):
        config, options, checkpoint = TRAINED_RUNS[name]
        work = shared / f'trained_{name}'
        done = work / 'trained'  # written last: a run that failed part-way is not shared
        with FileLock(str(shared / f'trained_{name}.lock')):
            if not done.exists():
                shutil.rmtree(work, ignore_errors=True)  # what a failed attempt left
                code = call_tool_main(['tools/train.py', config, '--work-dir', str(work),
                                       *TRAINED_FLAGS.get(name, []),
                                       '--cfg-options', *options, *LOADERS_IN_MAIN_PROCESS],
                                      env_extra=ONE_THREAD)
                assert code == 0, f'training {name} failed (its output is above)'
                done.write_text('')
        (log, ) = glob.glob(str(work / '*' / '*.log'))  # mmengine's log of the run
        return TrainedRun(str(work), open(log).read(), str(work / checkpoint))

    return get
