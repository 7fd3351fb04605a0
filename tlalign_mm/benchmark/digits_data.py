"""The built-in digits datasets a benchmark makes, stamped with how they were made.

A benchmark config may ask for other sizes than the makers' defaults (more validation images for
power, fewer labelled downstream images so that pre-training matters). A dataset folder made
earlier with other sizes must not stand in for the one asked for, so each folder the benchmark
makes carries ``.maker.json`` (kind, seed, maker arguments) and an existing folder is used only
when its stamp matches. A folder without a stamp (made by hand with
``tools/dataset_converters/make_digits_datasets.py``, or by an older version) is accepted only
at the default sizes, which is what those tools make.
"""
import json
import os.path as osp
from typing import Dict

from ..utils.atomic_io import atomic_write_json
from .spec import BenchmarkConfigError

STAMP_FILE = '.maker.json'
MAKER_SEED = 0


def make_digits(data_root: str, wanted: Dict[str, Dict]) -> None:
    """Make every dataset of ``wanted`` (kind -> maker arguments) under ``data_root`` that is
    missing; refuse one that exists but was made otherwise."""
    from ..datasets.makers import MAKERS
    for kind, arguments in wanted.items():
        target = osp.join(data_root, f'digits_{kind}')
        stamp = dict(kind=kind, seed=MAKER_SEED, arguments=arguments)
        if osp.isdir(target):
            check_stamp(target, stamp)
            continue
        print(f'making {target}' + (f' ({arguments})' if arguments else ''), flush=True)
        MAKERS[kind](target, seed=MAKER_SEED, **arguments)
        atomic_write_json(osp.join(target, STAMP_FILE), stamp, sort_keys=True)


def check_stamp(target: str, stamp: Dict) -> None:
    path = osp.join(target, STAMP_FILE)
    if not osp.isfile(path):
        if stamp['arguments']:
            raise BenchmarkConfigError(
                f'{target} exists without {STAMP_FILE}, so it cannot be told to hold the sizes '
                f'this benchmark asks for ({stamp["arguments"]}); remove it or use another '
                'data root')
        return
    with open(path) as f:
        found = json.load(f)
    if found != json.loads(json.dumps(stamp)):
        raise BenchmarkConfigError(
            f'{target} was made with {found["arguments"] or "the default sizes"} (seed '
            f'{found["seed"]}); this benchmark asks for {stamp["arguments"] or "the default sizes"}'
            f' (seed {stamp["seed"]}); remove it or use another data root')
