"""tlalign_mm: token-label alignment and transfer benchmarks on the OpenMMLab 2.x stack."""
from setuptools import find_packages, setup


def read_version():
    namespace = {}
    with open('tlalign_mm/version.py') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='tlalign_mm',
    version=read_version(),
    description='TL-Align (token-label alignment) and downstream transfer benchmarks '
    'on mmpretrain / mmsegmentation / mmdetection',
    packages=find_packages(exclude=('tests', 'configs', 'tools')),
    python_requires='>=3.10',
    # What the package runs on (tlalign_mm/utils/stack.py checks the same ranges at import).
    # tools/bootstrap.sh installs the tested pins with --no-deps; `pip install -e .` into an
    # existing OpenMMLab environment checks these instead.
    install_requires=[
        'torch>=2.1.0', 'mmcv>=2.0.0,<2.2.0', 'mmengine>=0.8.3,<1.0.0',
        'mmpretrain>=1.2.0,<1.3.0', 'mmsegmentation>=1.2.0,<1.3.0', 'mmdet>=3.3.0,<3.4.0',
        'numpy', 'opencv-python-headless', 'matplotlib', 'pycocotools', 'scikit-learn'
    ],
    # `pip install -e .[tensorboard]`: training curves through mmengine's TensorboardVisBackend
    # (tools/train.py --tensorboard); nothing else needs it.
    extras_require={'tensorboard': ['tensorboard']},
)
