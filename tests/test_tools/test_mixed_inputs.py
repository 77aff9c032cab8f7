"""Inputs the stock toolkits accept, accepted with our backbones too: images of different sizes
in one batch, grayscale image files, a 1-image batch in training mode with BatchNorm."""
import argparse

import cv2
import pytest
import torch
from conftest import HEADLINE_CONFIG, require
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from mmhsnet.models import HSResNet, LiteHRNet, ResNeSt
from mmhsnet.testing import make_coco_instances


def detector_and_dataset(root, classes, opts, train=True):
    registry = require('mmdet.registry')
    cfg = Config.fromfile(HEADLINE_CONFIG)
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg.merge_from_dict(parser.parse_args(['--cfg-options', *opts]).cfg_options)
    # from scratch: every BatchNorm in training mode
    cfg.model.backbone.update(norm_eval=False, frozen_stages=-1)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = registry.MODELS.build(cfg.model)
        model.init_weights()
        loader = cfg.train_dataloader if train else cfg.test_dataloader
        dataset = registry.DATASETS.build(loader.dataset)
    return model, dataset


def coco_options(root, classes):
    from conftest import coco_cfg_options

    # 'resized' by a factor of 1: images keep their own sizes
    return [o for o in coco_cfg_options(root, classes) if '.scale=' not in o] + [
        'train_dataloader.dataset.pipeline.2.scale=None',
        'train_dataloader.dataset.pipeline.2.scale_factor=1.0',
        'test_dataloader.dataset.pipeline.1.scale=None',
        'test_dataloader.dataset.pipeline.1.scale_factor=1.0']


def test_batch_of_images_of_different_sizes(tmp_path):
    wide = make_coco_instances(tmp_path / 'wide', num_train=1, num_val=1, img_size=(150, 90),
                               object_size=(20, 50))
    make_coco_instances(tmp_path / 'tall', num_train=1, num_val=1, img_size=(70, 130),
                        object_size=(20, 50), seed=1)
    classes = tuple(wide['metainfo']['classes'])
    model, wide_set = detector_and_dataset(tmp_path / 'wide', classes,
                                           coco_options(tmp_path / 'wide', classes))
    _, tall_set = detector_and_dataset(tmp_path / 'tall', classes,
                                       coco_options(tmp_path / 'tall', classes))
    batch = pseudo_collate([wide_set[0], tall_set[0]])
    assert [tuple(x.shape[1:]) for x in batch['inputs']] == [(90, 150), (130, 70)]
    model.train()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.001))
    losses = model.train_step(batch, optim)
    assert torch.isfinite(losses['loss'])
    # padded to one batch tensor whose sides are multiples of 32
    data = model.data_preprocessor(batch, training=True)
    assert tuple(data['inputs'].shape) == (2, 3, 160, 160)
    model.eval()
    with torch.no_grad():
        results = model.test_step(batch)
    assert [r.ori_shape for r in results] == [(90, 150), (130, 70)]


def test_grayscale_image_files(mini_coco, tmp_path):
    root, classes, opts = mini_coco
    gray_root = tmp_path / 'gray'
    info = make_coco_instances(gray_root, num_train=1, num_val=1, img_size=(96, 80),
                               object_size=(20, 50))
    for image in gray_root.rglob('*.jpg'):
        gray = cv2.cvtColor(cv2.imread(str(image)), cv2.COLOR_BGR2GRAY)
        cv2.imwrite(str(image), gray)
        assert cv2.imread(str(image), cv2.IMREAD_UNCHANGED).ndim == 2
    model, dataset = detector_and_dataset(
        gray_root, classes, coco_options(gray_root, tuple(info['metainfo']['classes'])),
        train=False)
    sample = dataset[0]
    assert sample['inputs'].shape[0] == 3  # LoadImageFromFile reads it as colour
    model.eval()
    with torch.no_grad():
        (result, ) = model.test_step(pseudo_collate([sample]))
    assert result.pred_instances.bboxes.shape[-1] == 4


@pytest.mark.parametrize('build', [
    lambda: HSResNet(depth=50, norm_eval=False),
    lambda: LiteHRNet(arch='naive-18', norm_eval=False),
])
def test_one_image_batch_in_training_mode(build):
    model = build().train()
    outs = model(torch.rand(1, 3, 96, 64))
    sum(o.mean() for o in outs).backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_one_image_batch_with_split_attention_fails_as_in_mmdet():
    """BatchNorm on pooled 1×1 features cannot train on one image (mmdet's ResNeSt neither):
    the same error as the stock backbone, and a batch of 2 works."""
    from mmdet.models.backbones import ResNeSt as MMDetResNeSt
    x = torch.rand(1, 3, 64, 64)
    for model in (ResNeSt(depth=50, norm_eval=False), MMDetResNeSt(depth=50, norm_eval=False,
                                                                   stem_channels=64)):
        model.train()
        with pytest.raises(ValueError, match='Expected more than 1 value per channel when '
                                             'training'):
            model(x)
        assert model(torch.rand(2, 3, 64, 64))[0].shape == (2, 256, 16, 16)
