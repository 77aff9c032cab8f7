"""Fixtures shared by the tests that run our tools as a user does."""
from pathlib import Path

import pytest

from mmhsnet.testing import make_coco_instances

ROOT = Path(__file__).parents[1]
HEADLINE_CONFIG = ROOT / 'configs' / 'faster_rcnn_hsr50_fpn_1x_coco.py'
MINI_SCALE = (160, 128)


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
