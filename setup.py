import os
import os.path as osp
import shutil
import sys
import warnings

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))


def readme():
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version():
    scope = {}
    with open(osp.join(ROOT, 'mmhsnet', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname):
    """Requirement lines of ``requirements/<fname>``, comments stripped."""
    reqs = []
    with open(osp.join(ROOT, 'requirements', fname), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                reqs.append(line)
    return reqs


def add_mim_extension():
    """Expose configs/ and tools/ as ``mmhsnet/.mim`` (as mmdet and mmpose do), so that
    ``_base_ = 'mmhsnet::...'`` and ``mim train mmhsnet ...`` work after installation.

    Editable installs (``pip install -e .``, ``develop``) link, others copy."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'install')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(ROOT, 'mmhsnet', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in ('configs', 'tools', 'model-index.yml'):
        src = osp.join(ROOT, name)
        tar = osp.join(mim_path, name)
        if not osp.exists(src):
            continue
        if osp.isfile(tar) or osp.islink(tar):
            os.remove(tar)
        elif osp.isdir(tar):
            shutil.rmtree(tar)
        if mode == 'symlink':
            try:
                os.symlink(osp.relpath(src, osp.dirname(tar)), tar)
                continue
            except OSError:
                warnings.warn(f'Failed to link {src}, copying instead.')
        if osp.isfile(src):
            shutil.copyfile(src, tar)
        else:
            shutil.copytree(src, tar)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmhsnet',
        version=get_version(),
        description='HS-ResNet, ResNeSt and Lite-HRNet backbones for OpenMMLab 2.x '
        '(mmdet, mmsegmentation, mmpose)',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='computer vision, backbone, HS-ResNet, ResNeSt, Lite-HRNet, OpenMMLab',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'demo')),
        include_package_data=True,
        package_data={'mmhsnet': ['.mim/configs/**/*', '.mim/tools/**/*', '.mim/model-index.yml']},
        python_requires='>=3.8',
        license='Apache License 2.0',
        install_requires=[r for r in parse_requirements('runtime.txt') if not r.startswith('mmcv')],
        extras_require={
            'all': parse_requirements('optional.txt') + parse_requirements('tests.txt'),
            'tests': parse_requirements('tests.txt'),
            'optional': parse_requirements('optional.txt'),
            'mim': ['mmcv>=2.0.0rc4,<2.2.0'],
        },
        zip_safe=False)
