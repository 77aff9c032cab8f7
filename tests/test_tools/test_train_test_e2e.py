"""The headline command, run exactly as a user runs it (subprocesses), on a generated mini COCO."""
import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from mmhsnet.testing import make_coco_instances

ROOT = Path(__file__).parents[2]
CONFIG = ROOT / 'configs' / 'faster_rcnn_hsr50_fpn_1x_coco.py'
SCALE = (160, 128)


@pytest.fixture(scope='module')
def mini_coco(tmp_path_factory):
    root = tmp_path_factory.mktemp('data') / 'coco'
    info = make_coco_instances(
        root, num_train=4, num_val=2, img_size=SCALE, seed=0, object_size=(24, 64))
    return root, tuple(info['metainfo']['classes'])


def coco_options(root, classes):
    """--cfg-options that point mmdet's stock COCO config at the mini COCO, small and short."""
    opts = [f'model.roi_head.bbox_head.num_classes={len(classes)}',
            'model.backbone.init_cfg=None', 'train_cfg.max_epochs=1',
            'default_hooks.logger.interval=1', 'train_dataloader.batch_size=2',
            f'train_dataloader.dataset.pipeline.2.scale={SCALE}']
    classes_opt = '(' + ','.join(f"'{c}'" for c in classes) + ',)'
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={root}/',
                 f'{split}_dataloader.dataset.metainfo.classes={classes_opt}',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
        if split != 'train':
            opts += [f'{split}_dataloader.dataset.pipeline.1.scale={SCALE}',
                     f'{split}_evaluator.ann_file={root}/annotations/instances_val2017.json']
    return opts


def run(args, cwd):
    result = subprocess.run([sys.executable, *map(str, args)], cwd=cwd, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def test_train_then_test_prints_coco_metrics(mini_coco, tmp_path):
    root, classes = mini_coco
    work_dir = tmp_path / 'work'
    opts = coco_options(root, classes)
    log = run([ROOT / 'tools' / 'train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
               *opts], cwd=tmp_path)
    ckpt = work_dir / 'epoch_1.pth'
    assert ckpt.is_file(), log[-2000:]
    assert 'HSResNet' in (work_dir / 'faster_rcnn_hsr50_fpn_1x_coco.py').read_text()
    assert re.search(r'Epoch\(train\) \[1\]\[2/2\].*loss: ', log)

    out = tmp_path / 'results.pkl'
    log = run([ROOT / 'tools' / 'test.py', CONFIG, ckpt, '--work-dir', tmp_path / 'test',
               '--out', out, '--cfg-options', *opts], cwd=tmp_path)
    assert re.search(r'coco/bbox_mAP: -?\d', log), log[-2000:]
    assert 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all' in log
    assert out.is_file()


def test_missing_pretrained_checkpoint_is_a_clear_message(mini_coco, tmp_path):
    root, classes = mini_coco
    opts = [o for o in coco_options(root, classes) if not o.startswith('model.backbone.init_cfg')]
    result = subprocess.run(
        [sys.executable, ROOT / 'tools' / 'train.py', CONFIG, '--work-dir', tmp_path,
         '--cfg-options', *opts], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0
    assert "model.backbone.init_cfg.checkpoint='checkpoints/hsresnet50_s8w11_in1k.pth' does " \
           'not exist' in result.stderr
    assert 'model.backbone.init_cfg=None' in result.stderr
    assert 'Traceback' not in result.stderr


def test_loss_decreases_on_a_repeated_batch(mini_coco):
    """The detector with an HS-ResNet backbone can learn: a few SGD steps on one batch."""
    registry = pytest.importorskip('mmdet.registry')
    root, classes = mini_coco
    cfg = Config.fromfile(CONFIG)
    # the same --cfg-options as the CLI runs, parsed the same way
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args(['--cfg-options', *coco_options(root, classes)]).cfg_options
    cfg.merge_from_dict(options)
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        model = registry.MODELS.build(cfg.model)
        model.init_weights()
        model.train()
        dataset_cfg = cfg.train_dataloader.dataset.copy()
        dataset_cfg.pipeline = [t for t in dataset_cfg.pipeline if t.type != 'RandomFlip']
        dataset = registry.DATASETS.build(dataset_cfg)
        batch = pseudo_collate([dataset[0], dataset[1]])
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
        losses = []
        for _ in range(6):
            log_vars = model.train_step(batch, optim)
            losses.append(float(log_vars['loss'].detach()))
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.7 * losses[0], losses
