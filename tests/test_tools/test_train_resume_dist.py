"""tools/train.py on the tiny DeiT: trains, checkpoints, resumes (weights_only on), trains with
CPU AMP and refuses bad input in one line before training. tools/dist_train.sh is tested in
test_dist_aligned_labels.py."""
import glob
import json
import os.path as osp

import pytest

from ..conftest import config_path

DEIT = config_path('pretrain', 'deit', 'deit-digits_cutmix_digits.py')
FAST = ['train_cfg.max_epochs=1', 'train_dataloader.num_workers=0',
        '+train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
        '+val_dataloader.persistent_workers=False']


def scalars(work_dir):
    """Logged scalars of the newest run in ``work_dir`` (runs are timestamped folders)."""
    path = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))[-1]
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_train_checkpoint_and_resume(digits_root, tmp_path, tool):
    work = str(tmp_path / 'deit')
    out = tool(['tools/train.py', DEIT, '--work-dir', work, '--cfg-options', *FAST])
    assert out.returncode == 0, out.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    assert 'accuracy/top1' in out.stdout + out.stderr

    more = [o.replace('max_epochs=1', 'max_epochs=2') for o in FAST]
    out = tool(['tools/train.py', DEIT, '--work-dir', work, '--resume', '--cfg-options',
                *more], env_extra={'TORCH_FORCE_WEIGHTS_ONLY_LOAD': '1'})
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'resumed epoch: 1' in log
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    # The resumed run continued at epoch 2 instead of starting over.
    epochs = {r['epoch'] for r in scalars(work) if 'loss' in r and 'epoch' in r}
    assert 2 in epochs


def test_amp_on_cpu_uses_bf16_autocast(digits_root, tmp_path, tool):
    out = tool(['tools/train.py', DEIT, '--amp', '--work-dir', str(tmp_path / 'amp'),
                '--cfg-options', *FAST, 'train_cfg.val_interval=5'])
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'bfloat16 CPU autocast' in out.stdout
    assert osp.isfile(osp.join(tmp_path, 'amp', 'epoch_1.pth'))


def test_missing_data_root_is_one_line_error(tmp_path, tool):
    missing = tmp_path / 'nowhere'
    out = tool(['tools/train.py', DEIT, '--work-dir', str(tmp_path / 'w')],
               env_extra={'TLALIGN_DATA_ROOT': str(missing)})
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0] == (f"error: dataset root not found: {missing / 'digits_imagenet'} "
                        '(train_dataloader.dataset.data_root); create it with `python '
                        'tools/dataset_converters/make_digits_datasets.py` (the demo data) or '
                        'set $TLALIGN_DATA_ROOT')
    assert not (tmp_path / 'w').exists()


def test_num_classes_mismatch_fails_before_training(digits_root, tmp_path, tool):
    work = tmp_path / 'w'
    out = tool(['tools/train.py', DEIT, '--work-dir', str(work), '--cfg-options', *FAST,
                'model.head.num_classes=7'])
    assert out.returncode != 0
    assert 'class-count mismatch: ImageNet defines 10 classes but model.head.num_classes=7' \
        in out.stderr
    assert not glob.glob(str(work / '*.pth'))
    assert "Epoch(train)" not in out.stdout + out.stderr
