"""Token labeling end to end on the digits data: score maps from the trained digits DeiT (the
session's shared ``deit_tlalign`` run) → LV-ViT-digits with token labeling trains (both loss
terms fall) and validates with ``head(cls) + 0.5·max_i aux(x_i)``; TL-Align × token labeling
trains without score maps; a missing score map stops ``tools/train.py`` with one line."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ..conftest import LOADERS_IN_MAIN_PROCESS, config_path

TL = config_path('pretrain', 'lvvit', 'lvvit-digits_token-labeling_digits.py')
TLALIGN_TL = config_path('pretrain', 'lvvit', 'lvvit-digits_tlalign-token-labeling_digits.py')
NO_WORKERS = dict(num_workers=0, persistent_workers=False)
SUBSET = list(range(0, 600, 3))  # 200 images of all classes: 7 iterations an epoch


@pytest.fixture(scope='module')
def score_maps(trained_digits, tmp_path_factory):
    from token_labeling.make_score_maps import main
    out = tmp_path_factory.mktemp('tl') / 'digits_score_maps'
    teacher = trained_digits('deit_tlalign')
    config = config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py')
    assert main([config, teacher.checkpoint, '--img-size', '32', '--workers', '0',
                 '--out', str(out)]) == 0
    return out


def runner_for(config, work_dir, epochs=3):
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.update(NO_WORKERS)
    cfg.train_dataloader.dataset['indices'] = SUBSET
    cfg.val_dataloader.update(NO_WORKERS)
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = epochs
    return Runner.from_cfg(cfg)


def logged(work_dir, key):
    (path, ) = glob.glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        rows = [json.loads(line) for line in f]
    return [r[key] for r in rows if key in r]


def falls(values, window=4):
    return sum(values[-window:]) / window < sum(values[:window]) / window - 0.02


def test_score_maps_from_the_digits_deit(score_maps):
    meta = json.loads((score_maps / 'meta.json').read_text())
    assert (meta['count'], meta['grid'], meta['topk'], meta['num_classes']) == (600, [4, 4], 5,
                                                                                 10)
    assert (score_maps / 'index.txt').read_text().split()[0].count('/') == 1


def test_token_labeling_trains_and_validates_with_the_inference_formula(score_maps, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv('TOKEN_LABEL_ROOT', str(score_maps))
    runner = runner_for(TL, tmp_path)
    runner.train()
    cls_loss, dense_loss = logged(tmp_path, 'loss_cls'), logged(tmp_path, 'loss_dense')
    assert falls(cls_loss) and falls(dense_loss), (cls_loss, dense_loss)

    model = runner.model.eval()
    right = total = 0
    with torch.no_grad():
        for batch in runner.val_dataloader:
            data = model.data_preprocessor(batch, False)
            tokens = model.backbone(data['inputs'])[-1]
            head = model.head
            formula = head.fc_cls(tokens[:, 0]) + 0.5 * head.fc_aux(tokens[:, 1:]).max(1)[0]
            labels = torch.cat([s.gt_label for s in data['data_samples']])
            right += int((formula.argmax(1) == labels).sum())
            total += labels.numel()
    assert logged(tmp_path, 'accuracy/top1')[-1] == pytest.approx(100 * right / total)


@pytest.mark.parametrize('label_mode', ['scalar', 'kdim'])
def test_tlalign_token_labeling_trains(digits_root, tmp_path, label_mode):
    cfg = Config.fromfile(TLALIGN_TL)
    cfg.custom_hooks[0].label_mode = label_mode
    config = tmp_path / 'config.py'
    cfg.dump(str(config))
    runner = runner_for(str(config), tmp_path)
    seen = {}
    stock = runner.model.head.loss

    def spy(feats, data_samples, **kwargs):
        seen['traced'] = torch.stack([s.traced_token_score for s in data_samples])
        return stock(feats, data_samples, **kwargs)

    runner.model.head.loss = spy
    runner.train()
    assert seen['traced'].shape[1:] == (16, 10)  # K classes: no share channel left over
    assert torch.allclose(seen['traced'].sum(-1), torch.ones(()), atol=1e-5)  # soft labels
    assert falls(logged(tmp_path, 'loss_cls')) and falls(logged(tmp_path, 'loss_dense'))
    assert logged(tmp_path, 'align_gap')[-1] > 0


def test_missing_score_map_stops_training_naming_the_image(score_maps, tmp_path, monkeypatch):
    partial = tmp_path / 'partial'
    partial.mkdir()
    for name in ('meta.json', 'logits.npy', 'classes.npy'):
        (partial / name).symlink_to(score_maps / name)
    rows = (score_maps / 'index.txt').read_text().split()
    (partial / 'index.txt').write_text('\n'.join(['elsewhere/x.png'] + rows[1:]) + '\n')
    from train import main as train_main  # tools/train.py, in this process
    monkeypatch.setenv('TOKEN_LABEL_ROOT', str(partial))
    with pytest.raises(SystemExit) as stop:
        train_main([TL, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                    'train_cfg.max_epochs=1', *LOADERS_IN_MAIN_PROCESS])
    message = str(stop.value.code)
    assert len(message.splitlines()) == 1, message
    assert message.startswith('error: no score map for image ') and rows[0] in message, message


def test_annotator_refuses_a_checkpoint_that_does_not_fit(trained_digits, tmp_path, capsys):
    """Another architecture's checkpoint, or a head of another class count, would annotate with
    randomly initialised weights; nothing is written."""
    from mmpretrain.registry import MODELS
    from token_labeling.make_score_maps import main
    config = config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py')
    swin_cfg = Config.fromfile(config_path('pretrain', 'swin', 'swin-digits_tlalign_digits.py'))
    swin = tmp_path / 'swin.pth'
    torch.save(dict(state_dict=MODELS.build(swin_cfg.model).state_dict()), swin)
    out = tmp_path / 'maps'
    assert main([config, str(swin), '--img-size', '32', '--workers', '0', '--out',
                 str(out)]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f'error: checkpoint {swin} does not fit this model: it has no '
                           'weights for backbone')
    assert line.endswith('those would run randomly initialised. Use the checkpoint of this '
                         'config')
    teacher = trained_digits('deit_tlalign').checkpoint
    assert main([config, teacher, '--img-size', '32', '--workers', '0', '--out', str(out),
                 '--cfg-options', 'model.head.num_classes=20']) == 2
    assert 'has wrongly shaped weights for head' in capsys.readouterr().err
    assert not out.exists()
