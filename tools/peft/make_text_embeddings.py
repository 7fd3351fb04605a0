"""Write the class-name text embeddings that TextEmbeddingClsHead starts from, with CLIP's text
tower, as the KAdaptation authors initialise their few-shot heads.

Two steps, in two environments if need be:

  # 1. the class names of a config's dataset, in its class order (the project's environment)
  python tools/peft/make_text_embeddings.py classes CONFIG > names.txt
  # 2. their embeddings (any environment with torch and transformers; OpenAI's CLIP ViT-B/32 in
  #    Hugging Face's layout, e.g. a local copy of openai/clip-vit-base-patch32)
  python tools/peft/make_text_embeddings.py embed names.txt --clip DIR --out FILE \\
      [--template 'a photo of a {}.' ...]

Step 2 never imports mmpretrain and step 1 never imports transformers (whose recent versions do
not import beside mmpretrain's multimodal package). Each class's embedding is the authors': the
text of every template encoded and L2-normalised, averaged, normalised again. FILE holds
``dict(embeddings=(C, 512) float32, classes=[...], templates=[...], clip=DIR)``.
"""
import argparse
import os.path as osp
import sys
from typing import Callable, List, Sequence

DEFAULT_TEMPLATES = ('a photo of a {}.', )


def class_name_embeddings(names: Sequence[str], templates: Sequence[str],
                          encode: Callable[[List[str]], 'torch.Tensor']) -> 'torch.Tensor':
    """(C, D): per class, the mean of its templates' normalised text embeddings, normalised.

    ``encode(texts)`` returns one (D,) embedding per text.
    """
    import torch
    rows = []
    for name in names:
        texts = [template.format(name) for template in templates]
        embedded = encode(texts).float()
        embedded = embedded / embedded.norm(dim=-1, keepdim=True)
        mean = embedded.mean(dim=0)
        rows.append(mean / mean.norm())
    return torch.stack(rows)


def dataset_classes(config: str) -> List[str]:
    """The class names of the config's test dataset, in the dataset's class order."""
    sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    from mmengine.config import Config
    from mmpretrain.registry import DATASETS

    import tlalign_mm  # noqa: F401
    dataset = Config.fromfile(config).test_dataloader.dataset
    while 'dataset' in dataset:  # wrappers (KShotDataset, RepeatDataset, ...)
        dataset = dataset.dataset
    classes = dataset.get('classes') or DATASETS.get(dataset.type).METAINFO.get('classes')
    if not classes:
        raise SystemExit(f'error: {config}: its test dataset ({dataset.type}) names no classes')
    return list(classes)


def clip_text_encoder(model_dir: str):
    """``encode(texts)`` with the CLIP text tower and tokenizer saved in ``model_dir``."""
    try:
        import torch
        from transformers import CLIPModel, CLIPTokenizer
    except ImportError:
        raise SystemExit('error: the embed step needs transformers (pip install transformers, '
                         'in any environment with torch; the project does not need it)')
    if not osp.isdir(model_dir):
        raise SystemExit(f'error: --clip {model_dir} is not a folder of a Hugging Face CLIP '
                         'model (config.json, weights and tokenizer files)')
    model = CLIPModel.from_pretrained(model_dir, local_files_only=True).eval()
    tokenizer = CLIPTokenizer.from_pretrained(model_dir, local_files_only=True)

    def encode(texts):
        tokens = tokenizer(texts, padding=True, return_tensors='pt')
        with torch.no_grad():
            return model.get_text_features(**tokens)

    return encode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    steps = parser.add_subparsers(dest='step', required=True)
    classes = steps.add_parser('classes', help="print a config's class names, one per line")
    classes.add_argument('config')
    embed = steps.add_parser('embed', help='write the class-name embeddings')
    embed.add_argument('names', help='class names, one per line (the dataset\'s order)')
    embed.add_argument('--clip', required=True, help='Hugging Face CLIP model folder')
    embed.add_argument('--out', required=True, help='file to write (must not exist)')
    embed.add_argument('--template', nargs='+', default=list(DEFAULT_TEMPLATES),
                       help="prompt templates with one '{}' (default: 'a photo of a {}.')")
    embed.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    args = parser.parse_args(argv)
    if args.step == 'classes':
        print('\n'.join(dataset_classes(args.config)))
        return 0
    if osp.exists(args.out) and not args.overwrite:
        raise SystemExit(f'error: {args.out} exists; pass --overwrite to replace it')
    if not osp.isfile(args.names):
        raise SystemExit(f'error: class-name file not found: {args.names}')
    bad = [t for t in args.template if t.count('{}') != 1]
    if bad:
        raise SystemExit(f"error: every --template needs exactly one '{{}}', got {bad}")
    with open(args.names) as f:
        names = [line.strip() for line in f if line.strip()]
    import torch
    embeddings = class_name_embeddings(names, args.template, clip_text_encoder(args.clip))
    torch.save(dict(embeddings=embeddings, classes=names, templates=list(args.template),
                    clip=osp.abspath(args.clip)), args.out)
    print(f'wrote {tuple(embeddings.shape)} class-name embeddings to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
