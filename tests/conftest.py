"""Fixtures and helpers shared by the tests that run our tools as a user does."""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmhsnet.testing import make_coco_instances

ROOT = Path(__file__).parents[1]
HEADLINE_CONFIG = ROOT / 'configs' / 'faster_rcnn_hsr50_fpn_1x_coco.py'
MINI_SCALE = (160, 128)


def require(module_name):
    """Import and return ``module_name`` for a test that needs it.

    If the import fails, the test fails when the environment variable ``CI`` is set (to anything
    but ``''``, ``0``, ``false`` or ``no``): the environment ``bash tools/setup_env.sh`` creates
    has every package the tests use, so there a missing one is a broken set-up, not a reason to
    skip. Otherwise the test is skipped. The message names the package either way. Use it
    instead of ``pytest.importorskip``, which skips silently in CI too.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        package = module_name.split('.')[0]
        message = (f'{module_name!r} cannot be imported ({type(exc).__name__}: {exc}); '
                   f'`bash tools/setup_env.sh` installs {package}')
        if os.environ.get('CI', '').lower() not in ('', '0', 'false', 'no'):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def run_tool(*args, cwd=None, ok=True, timeout=900, interpreter=sys.executable, env=None):
    """Run ``python ARGS...`` (or ``INTERPRETER ARGS...``, e.g. ``bash`` for a shell tool) in a
    subprocess, as a user runs a tool, and assert that it succeeded (``ok=True``) or failed
    with a message instead of a traceback (``ok=False``).

    Returns:
        subprocess.CompletedProcess: With text ``stdout`` and ``stderr``.
    """
    result = subprocess.run([interpreter, *map(str, args)], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=timeout)
    output = result.stdout[-3000:] + result.stderr[-3000:]
    if ok:
        assert result.returncode == 0, output
    else:
        assert result.returncode != 0, output
        assert 'Traceback' not in result.stderr, output
    return result


def coco_cfg_options(root, classes, scale=MINI_SCALE):
    """``--cfg-options`` that point mmdet's stock COCO detection config at a mini COCO, with
    small images, one epoch and no pretrained backbone."""
    opts = [f'model.roi_head.bbox_head.num_classes={len(classes)}',
            'model.backbone.init_cfg=None', 'train_cfg.max_epochs=1',
            'default_hooks.logger.interval=1', 'train_dataloader.batch_size=2',
            f'train_dataloader.dataset.pipeline.2.scale={scale}']
    classes_opt = '(' + ','.join(f"'{c}'" for c in classes) + ',)'
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={root}/',
                 f'{split}_dataloader.dataset.metainfo.classes={classes_opt}',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
        if split != 'train':
            opts += [f'{split}_dataloader.dataset.pipeline.1.scale={scale}',
                     f'{split}_evaluator.ann_file={root}/annotations/instances_val2017.json']
    return opts


@pytest.fixture(scope='session')
def mini_coco(tmp_path_factory):
    """A 4 + 2 image COCO of shapes: ``(data_root, classes, cfg_options)``."""
    root = tmp_path_factory.mktemp('data') / 'coco'
    info = make_coco_instances(
        root, num_train=4, num_val=2, img_size=MINI_SCALE, seed=0, object_size=(24, 64))
    classes = tuple(info['metainfo']['classes'])
    return root, classes, coco_cfg_options(root, classes)
