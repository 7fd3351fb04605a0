"""The KAdaptation authors' few-shot protocol: raw CLIP converted from OpenAI's key names gives
the image-text embedding timm computes from the same weights; the head starts as CLIP's
zero-shot classifier (cosine of image and class-name embeddings); each method's trainable count
is the arithmetic of docs/peft.md; bad embedding files are one line; `pretrained=` re-points the
projection with the tower."""
import os
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401
from tlalign_mm.models.heads import TextEmbeddingClsHead, TextEmbeddingError

from ..conftest import ROOT, config_path
from model_converters import openai_clip_to_mmpretrain

WIDTH, LAYERS, HEADS, EMBED, PATCH, SIZE = 64, 2, 2, 32, 32, 64  # a tiny CLIP ViT


def openai_clip_state(seed=0):
    """A state dict under OpenAI's CLIP key names and shapes (image and text towers), random."""
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return 0.05 * torch.randn(*shape, generator=gen)

    tokens = (SIZE // PATCH)**2 + 1
    state = {'visual.conv1.weight': rand(WIDTH, 3, PATCH, PATCH),
             'visual.class_embedding': rand(WIDTH),
             'visual.positional_embedding': rand(tokens, WIDTH),
             'visual.proj': rand(WIDTH, EMBED),
             'text_projection': rand(WIDTH, EMBED), 'logit_scale': torch.tensor(4.6),
             'token_embedding.weight': rand(100, WIDTH), 'positional_embedding': rand(7, WIDTH)}
    for norm in ('visual.ln_pre', 'visual.ln_post', 'ln_final'):
        state[f'{norm}.weight'], state[f'{norm}.bias'] = 1 + rand(WIDTH), rand(WIDTH)
    for tower in ('visual.transformer', 'transformer'):
        for i in range(LAYERS):
            block = f'{tower}.resblocks.{i}'
            for part, (rows, cols) in dict(attn_in=(3 * WIDTH, WIDTH), out_proj=(WIDTH, WIDTH),
                                           c_fc=(4 * WIDTH, WIDTH),
                                           c_proj=(WIDTH, 4 * WIDTH)).items():
                owner = {'attn_in': 'attn.in_proj_', 'out_proj': 'attn.out_proj.',
                         'c_fc': 'mlp.c_fc.', 'c_proj': 'mlp.c_proj.'}[part]
                state[f'{block}.{owner}weight'] = rand(rows, cols)
                state[f'{block}.{owner}bias'] = rand(rows)
            for norm in ('ln_1', 'ln_2'):
                state[f'{block}.{norm}.weight'] = 1 + rand(WIDTH)
                state[f'{block}.{norm}.bias'] = rand(WIDTH)
    return state


def test_converted_openai_clip_gives_timms_embedding():
    timm = pytest.importorskip('timm')
    from timm.models.vision_transformer import _convert_openai_clip
    state = openai_clip_state()
    reference = timm.create_model('vit_base_patch32_clip_quickgelu_224', pretrained=False,
                                  img_size=SIZE, embed_dim=WIDTH, depth=LAYERS,
                                  num_heads=HEADS, num_classes=EMBED).eval()
    reference.load_state_dict(_convert_openai_clip(state, reference), strict=True)

    ours = openai_clip_to_mmpretrain.convert(state)
    assert not any(k.startswith(('text', 'token', 'ln_final')) for k in ours)
    init_default_scope('mmpretrain')
    backbone = MODELS.build(dict(
        type='VisionTransformer', img_size=SIZE, patch_size=PATCH, pre_norm=True,
        arch=dict(embed_dims=WIDTH, num_layers=LAYERS, num_heads=HEADS,
                  feedforward_channels=4 * WIDTH),
        norm_cfg=dict(type='LN', eps=1e-5), layer_cfgs=dict(act_cfg=dict(type='QuickGELU')),
        out_type='cls_token'))
    backbone.eval()  # (mmpretrain's ViT.train returns None)
    neck = MODELS.build(dict(type='ImageTextProjection', in_channels=WIDTH,
                             out_channels=EMBED))
    backbone.load_state_dict({k[9:]: v for k, v in ours.items() if k.startswith('backbone.')},
                             strict=True)
    neck.load_state_dict({'proj': ours['neck.proj']}, strict=True)
    x = torch.randn(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(neck(backbone(x))[0], reference(x), atol=1e-5, rtol=1e-5)


def test_other_checkpoints_are_refused_by_name(tmp_path, capsys):
    from model_converters import timm_vit_to_mmpretrain
    src, dst = tmp_path / 'clip.pth', tmp_path / 'out.pth'
    torch.save(openai_clip_state(), src)
    assert timm_vit_to_mmpretrain.main([str(src), str(dst)]) == 2
    assert capsys.readouterr().err.startswith(
        "error: SRC is a CLIP ViT checkpoint (it holds 'visual.transformer.resblocks.0.")
    torch.save({'blocks.0.attn.qkv.weight': torch.zeros(3, 1), 'cls_token': torch.zeros(1)}, src)
    assert openai_clip_to_mmpretrain.main([str(src), str(dst)]) == 2
    assert 'SRC is a ViT / DeiT checkpoint' in capsys.readouterr().err
    assert not dst.exists()


def embeddings_file(tmp_path, num_classes=5, dims=8, seed=0):
    path = tmp_path / 'names.pth'
    torch.save(torch.randn(num_classes, dims, generator=torch.Generator().manual_seed(seed)),
               path)
    return path


def test_head_starts_as_the_zero_shot_classifier(tmp_path):
    """With the image embedding L2-normalised the initial logits are the cosine similarities of
    image and class-name embeddings; in the authors' setting (channel norm, no normalisation)
    they are the normalised text rows times the channel-normed embedding."""
    path = embeddings_file(tmp_path)
    text = torch.load(path, weights_only=True)
    image = torch.randn(4, 8, generator=torch.Generator().manual_seed(2))
    cosine = TextEmbeddingClsHead(5, 8, text_embeddings=str(path), normalize_features=True)
    cosine.init_weights()
    cosine.eval()  # the channel norm's running statistics start at mean 0, variance 1
    naive = torch.stack([torch.stack([torch.dot(i, t) / (i.norm() * t.norm()) for t in text])
                         for i in image])
    torch.testing.assert_close(cosine((image, )), naive, atol=1e-6, rtol=1e-6)

    authors = TextEmbeddingClsHead(5, 8, text_embeddings=str(path))
    authors.init_weights()
    authors.train()
    normed = (image - image.mean(0)) / torch.sqrt(image.var(0, unbiased=False) + 1e-5)
    torch.testing.assert_close(authors((image, )), normed @ F.normalize(text, dim=-1).T,
                               atol=1e-5, rtol=1e-5)


def test_bad_embedding_files_are_one_line(tmp_path):
    with pytest.raises(TextEmbeddingError, match='text embeddings not found: .*nowhere.pth; '):
        TextEmbeddingClsHead(5, 8, text_embeddings=str(tmp_path / 'nowhere.pth'))
    path = embeddings_file(tmp_path, num_classes=4)
    with pytest.raises(TextEmbeddingError, match=r'holds \(4, 8\), not the \(5, 8\) '):
        TextEmbeddingClsHead(5, 8, text_embeddings=str(path))


# method -> trainable parameters on 5-shot CUB (200 classes), docs/peft.md's arithmetic
HEAD = 513 * 200  # 512-d embedding -> 200 classes, with bias; the channel norm has none
TRAINABLE = {'kadaptation': 12 * (4 * 768 + 768) + 4 * 1024 + HEAD,
             'lora': 12 * 2 * (4 * 768 + 768 * 4) + HEAD,
             'linear': HEAD,
             'finetune': 87_849_216 + HEAD}  # OpenAI's image tower incl. its projection


@pytest.mark.parametrize('method', TRAINABLE)
def test_fewshot_configs_build_with_the_stated_counts(method, tmp_path):
    cfg = Config.fromfile(config_path('peft', 'fewshot',
                                      f'clip-vit-b32-openai_{method}_5shot_cub.py'))
    assert cfg.model.head.text_embeddings == 'data/text_embeddings/cub_clip-vit-b32.pth'
    assert cfg.param_scheduler is None and cfg.optim_wrapper.optimizer.type == 'SGD'
    steps = [s.type for s in cfg.train_dataloader.dataset.dataset.pipeline]
    assert steps == ['LoadImageFromFile', 'ResizeEdge', 'CenterCrop', 'PackInputs']
    cfg.model.head.text_embeddings = str(embeddings_file(tmp_path, 200, 512))
    cfg.model.backbone.init_cfg = cfg.model.neck.init_cfg = None  # no download in the suite
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == TRAINABLE[method]


def test_pretrained_option_repoints_the_projection_too():
    from tlalign_mm.utils.pretrained import use_pretrained
    cfg = Config.fromfile(config_path('peft', 'fewshot',
                                      'clip-vit-b32-openai_kadaptation_5shot_cub.py'))
    use_pretrained(cfg, 'elsewhere.pth')
    assert cfg.model.backbone.init_cfg.checkpoint == 'elsewhere.pth'
    assert cfg.model.neck.init_cfg == dict(type='Pretrained', checkpoint='elsewhere.pth',
                                           prefix='neck.')


def test_text_embedding_tool(tmp_path, capsys):
    """Step 1 lists the dataset's classes in its order; the embedding rule (templates encoded,
    normalised, averaged, normalised again) against a naive loop; the file feeds the head; the
    embed step without transformers is one line."""
    import hashlib
    import importlib.util
    # by path: a top-level `peft` could be Hugging Face's package
    spec = importlib.util.spec_from_file_location(
        'make_text_embeddings', osp.join(ROOT, 'tools', 'peft', 'make_text_embeddings.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(['classes', config_path(
        'peft', 'fewshot', 'clip-vit-b32-openai_kadaptation_5shot_cub.py')]) == 0
    names = capsys.readouterr().out.splitlines()
    assert len(names) == 200 and names[0] == 'Black_footed_Albatross'

    def fake_encode(texts):  # a fixed vector per text
        return torch.stack([torch.randn(6, generator=torch.Generator().manual_seed(
            int(hashlib.sha256(t.encode()).hexdigest()[:8], 16))) for t in texts])

    templates = ['a photo of a {}.', 'a {} in the wild.']
    got = tool.class_name_embeddings(['owl', 'wren', 'tern'], templates, fake_encode)
    for row, name in zip(got, ['owl', 'wren', 'tern']):
        total = torch.zeros(6)
        for template in templates:
            vector = fake_encode([template.format(name)])[0]
            total += vector / vector.norm()
        torch.testing.assert_close(row, total / total.norm())
    path = tmp_path / 'names.pth'
    torch.save(dict(embeddings=got, classes=['owl', 'wren', 'tern']), path)
    head = TextEmbeddingClsHead(3, 6, text_embeddings=str(path))
    head.init_weights()
    torch.testing.assert_close(head.fc.weight, got)

    if importlib.util.find_spec('transformers') is None:
        (tmp_path / 'names.txt').write_text('owl\nwren\n')
        with pytest.raises(SystemExit) as stop:
            tool.main(['embed', str(tmp_path / 'names.txt'), '--clip', str(tmp_path),
                       '--out', str(tmp_path / 'e.pth')])
        assert str(stop.value).startswith('error: the embed step needs transformers')


def test_refined_search_is_the_authors():
    """Coarse points, then neighbours at 8, 4, 2, 1 around the best; each index scored once."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'sweep_few_shot', osp.join(ROOT, 'tools', 'peft', 'sweep_few_shot.py'))
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    decays, coarse = sweep.weight_decays(-6, 6, 97, 7)
    assert coarse == [0, 16, 32, 48, 64, 80, 96] and decays[48] == 1.0
    calls = []

    def score(index):  # one peak at index 37
        calls.append(index)
        return -abs(index - 37)

    assert sweep.refined_search(score, 97, coarse) == (37, 0)
    # best coarse 32; span 8 around it: 24, 40 (better); 4 around 40: 36 (better), 44; 2 around
    # 36: 34, 38; 1 around 36: 35, 37 (the peak). Neighbours are fixed before each span's pair.
    assert calls == [0, 16, 32, 48, 64, 80, 96, 24, 40, 36, 44, 34, 38, 35, 37]


def best_logged_top1(folder):
    import glob
    import json
    (scalars, ) = glob.glob(str(folder / '*' / 'vis_data' / 'scalars.json'))
    return max(json.loads(line)['accuracy/top1'] for line in open(scalars)
               if 'accuracy/top1' in line)


def test_sweep_tool_runs_the_protocol_on_digits(tmp_path, trained_digits, digits_root):
    """A trial trains on the k-shot 'train' part and is scored on the held-out part; the chosen
    pair trains on all k shots and is tested on the test split (one trial, one epoch each: the
    search's order is test_refined_search_is_the_authors)."""
    import json
    import subprocess
    import sys
    config = tmp_path / 'fewshot.py'
    config.write_text(f"""
_base_ = ['{config_path('peft', 'deit-digits_linear_digits-cub.py')}']
train_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(
    _delete_=True, type='KShotDataset', shots=5, seed=0, num_classes=10,
    dataset={{{{_base_.train_dataloader.dataset}}}}))
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
""")
    work = tmp_path / 'sweep'
    out = subprocess.run(
        [sys.executable, 'tools/peft/sweep_few_shot.py', str(config), '--work-dir', str(work),
         '--lrs', '0.1', '--wd-log-range', '-4', '-2', '--wd-grid', '1', '--wd-coarse', '1',
         '--sweep-epochs', '1', '--final-epochs', '1', '--cfg-options',
         f'pretrained={trained_digits("deit_tlalign").checkpoint}'],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    record = json.loads((work / 'sweep.json').read_text())
    (trial, ) = record['trials']
    assert (trial['lr'], trial['weight_decay']) == (0.1, pytest.approx(1e-4))
    assert record['chosen'] == dict(lr=0.1, weight_decay=trial['weight_decay'],
                                    val_top1=trial['val_top1'])
    assert trial['val_top1'] == best_logged_top1(work / 'sweep' / 'lr0.1_wd0.0001')
    trial = Config.fromfile(str(work / 'sweep' / 'lr0.1_wd0.0001' / 'config.py'))
    assert trial.train_dataloader.dataset.part == 'train'
    assert trial.test_dataloader.dataset.part == 'val'
    assert trial.optim_wrapper.optimizer.weight_decay == pytest.approx(1e-4)
    final = Config.fromfile(str(work / 'final' / 'config.py'))
    assert final.train_dataloader.dataset.part == 'all'
    assert final.test_dataloader.dataset.type == 'CUB'  # the test split, not the shots
    assert record['final'] == json.loads((work / 'final' / 'metrics.json').read_text())


DATASETS = {'caltech101': 102, 'cifar10': 10, 'cifar100': 100, 'cub': 200, 'dtd': 47,
            'fgvc-aircraft': 100, 'flowers102': 102, 'food101': 101, 'oxford-pets': 37,
            'stanford-cars': 196, 'sun397': 397}


@pytest.mark.parametrize('dataset', DATASETS)
def test_every_dataset_has_the_protocol_for_every_method(dataset, tmp_path):
    """Each method's config reads 5 centre-cropped shots per class and builds (the linear probe
    here: 513 x classes trainable); its embeddings file is named after the dataset."""
    for method in TRAINABLE:
        cfg = Config.fromfile(config_path(
            'peft', 'fewshot', f'clip-vit-b32-openai_{method}_5shot_{dataset}.py'))
        shots = cfg.train_dataloader.dataset
        assert (shots.type, shots.shots, shots.num_classes) == ('KShotDataset', 5,
                                                                DATASETS[dataset])
        for pipeline in (shots.dataset.pipeline, cfg.test_dataloader.dataset.pipeline):
            assert [s.type for s in pipeline][1:3] == ['ResizeEdge', 'CenterCrop']
        assert cfg.model.head.text_embeddings == (
            f'data/text_embeddings/{dataset}_clip-vit-b32.pth')
    cfg = Config.fromfile(config_path(
        'peft', 'fewshot', f'clip-vit-b32-openai_linear_5shot_{dataset}.py'))
    cfg.model.head.text_embeddings = str(embeddings_file(tmp_path, DATASETS[dataset], 512))
    cfg.model.backbone.init_cfg = cfg.model.neck.init_cfg = None
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 513 * DATASETS[dataset]
