"""Every config under configs/ builds, trains one iteration and validates on the mini datasets.

The configs are discovered, so a new one is tested without touching this file. Each runs in this
process, through mmengine's Runner as tools/train.py runs it, after
:func:`mmhsnet.testing.use_mini_data` made it small and short. The parametrization (sorted
paths) interleaves mmdet, mmseg and mmpose configs, so registries and default scopes must not
leak from one toolkit's run into the next.
"""
import ast
import gc
import glob
import math
import os.path as osp
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmhsnet.engine import check_published, format_published
from mmhsnet.testing import make_all, use_mini_data

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO_ROOT, 'configs')
CONFIGS = sorted(
    osp.relpath(path, CONFIG_DIR)
    for path in glob.glob(osp.join(CONFIG_DIR, '**', '*.py'), recursive=True)
    if '_base_' not in osp.relpath(path, CONFIG_DIR).split(osp.sep))


@pytest.fixture(scope='module')
def mini_data(tmp_path_factory):
    return make_all(str(tmp_path_factory.mktemp('mini')), seed=0, num_train=4, num_val=2)


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def expected_metrics(cfg):
    """The keys the config's val evaluator reports, e.g. ``coco/bbox_mAP``, each with the range
    of its values and a special value it may take instead: COCO AP in [0, 1] or pycocotools' -1
    (no ground truth to evaluate), mIoU, MPII's PCK (the mean PCKh of MpiiPCKAccuracy) and
    top-k accuracy in percent."""
    keys = {}
    for metric in _as_list(cfg.val_evaluator):
        kind = (cfg.default_scope, metric.type)
        if kind == ('mmdet', 'CocoMetric'):
            keys.update({f'coco/{m}_mAP': (0, 1, -1)
                         for m in _as_list(metric.get('metric', 'bbox'))})
        elif kind == ('mmseg', 'IoUMetric'):
            keys.update({m: (0, 100, None)
                         for m in _as_list(metric.get('iou_metrics', ['mIoU']))})
        elif kind == ('mmpose', 'CocoMetric'):
            keys['coco/AP'] = (0, 1, -1)
        elif kind == ('mmpose', 'MpiiPCKAccuracy'):
            keys['PCK'] = (0, 100, None)
        elif kind == ('mmpretrain', 'Accuracy'):
            keys.update({f'accuracy/top{k}': (0, 100, None)
                         for k in _as_list(metric.get('topk', 1))})
        else:
            raise NotImplementedError(f'Add the metric keys of {kind} to expected_metrics')
    return keys


def keep_every_detection(node):
    """Set every ``score_thr`` of a (test_cfg) config to -1: keep every detection.

    mmdet's CocoMetric reports no metric at all when the detector predicts nothing (pycocotools'
    ``loadRes`` fails on an empty list; see test_coco_metric_of_no_detections_is_empty), which
    a model trained for one iteration from scratch may do with the configs' 0.05, and even with
    0: Lite-HRNet-30 + Mask R-CNN (first loss ~2e3) puts the background logit ~400 above the
    others, and its class scores underflow to exactly 0. With -1 (mmdet keeps scores above it)
    every detector predicts its ``max_per_img`` boxes and the evaluation runs to the end."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'score_thr':
                node[key] = -1.0
            else:
                keep_every_detection(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            keep_every_detection(value)


def norm_types(node):
    """The types of every ``norm_cfg`` in a (model) config."""
    types = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'norm_cfg' and isinstance(value, dict):
                types.add(value['type'])
            types |= norm_types(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            types |= norm_types(value)
    return types


class CountPredictions(Hook):
    """Counts validation steps and the instances detectors predicted in them."""

    def __init__(self):
        self.steps = 0
        self.instances = 0

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.steps += 1
        self.instances += sum(len(o.pred_instances) for o in outputs or []
                              if 'pred_instances' in o)


def test_configs_are_found():
    assert 'faster_rcnn_hsr50_fpn_1x_coco.py' in CONFIGS
    scopes = {Config.fromfile(osp.join(CONFIG_DIR, c)).default_scope for c in CONFIGS}
    assert scopes == {'mmdet', 'mmseg', 'mmpose', 'mmpretrain'}


def _own_assignments(path):
    """Names a config file assigns itself (top level), not those it inherits."""
    tree = ast.parse(Path(path).read_text())
    return {target.id for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


@pytest.mark.parametrize('config', CONFIGS)
def test_config_records_its_published_result(config):
    """Every config says which published result it reproduces (``published = None`` where
    none was published), in its own file: a -101 config inheriting a -50 one must not silently
    claim the -50 result. A pure alias (only ``_base_``) is the config it names."""
    path = osp.join(CONFIG_DIR, config)
    own = _own_assignments(path)
    if own != {'_base_'}:
        assert 'published' in own, f'{config} does not set `published`'
    cfg = Config.fromfile(path)
    entries = check_published(cfg.get('published'))
    metrics = expected_metrics(cfg)
    for entry in entries:
        low, high, _ = metrics[entry['metric']]
        assert low <= entry['value'] <= high, entry


def test_format_published():
    published = [dict(metric='coco/bbox_mAP', value=0.416, source='paper, Faster R-CNN 1x'),
                 dict(metric='mIoU', value=79.8, source='paper, DeepLabv3+')]
    assert format_published({'coco/bbox_mAP': 0.40249, 'mIoU': 12.345}, published) == [
        'coco/bbox_mAP 0.402 (published 0.416: paper, Faster R-CNN 1x)',
        'mIoU 12.35 (published 79.80: paper, DeepLabv3+)']
    assert format_published({}, published[:1]) == [
        'coco/bbox_mAP not reported (published 0.416: paper, Faster R-CNN 1x)']
    for bad in (dict(metric='mIoU', value='79.8', source='x'), dict(metric='mIoU', value=1),
                dict(metric='mIoU', value=True, source='x'), 'mIoU 79.8'):
        with pytest.raises(ValueError, match='published entries must be dict'):
            check_published([bad])


def test_use_mini_data_shrinks_a_copy(mini_data):
    det = Config.fromfile(
        osp.join(CONFIG_DIR, 'resnest', 'mask-rcnn_s50_fpn_syncbn-backbone+head_ms-1x_coco.py'))
    small = use_mini_data(det, mini_data)
    assert det.model.roi_head.bbox_head.num_classes == 80  # the input is left alone
    assert det.model.backbone.init_cfg.type == 'Pretrained'
    assert small.model.roi_head.bbox_head.num_classes == 4
    assert small.model.roi_head.mask_head.num_classes == 4
    assert small.model.backbone.init_cfg is None
    resize, = [t for t in small.train_dataloader.dataset.pipeline if 'scales' in t]
    assert resize.scales[0] == (160, 77) and resize.scales[-1] == (160, 96)
    coco = mini_data['coco']
    assert small.val_evaluator.ann_file == osp.join(coco['data_root'], coco['val']['ann_file'])
    assert small.train_dataloader.dataset.indices == 2
    assert small.train_cfg.max_epochs == 1 and small.default_hooks.checkpoint is None
    assert all(s.end == 1 for s in small.param_scheduler)

    seg = use_mini_data(
        Config.fromfile(
            osp.join(CONFIG_DIR, 'hsresnet',
                     'deeplabv3plus_hsr50-d8_4xb2-80k_cityscapes-512x1024.py')), mini_data)
    crop, = [t for t in seg.train_dataloader.dataset.pipeline if t.type == 'RandomCrop']
    assert crop.crop_size == seg.model.data_preprocessor.size == seg.crop_size == (64, 128)
    assert seg.train_cfg.max_iters == 1 and seg.train_cfg.val_interval == 1

    pose = use_mini_data(
        Config.fromfile(
            osp.join(CONFIG_DIR, 'hsresnet', 'td-hm_hsr50_8xb64-210e_coco-256x192.py')),
        mini_data)
    assert pose.model.head.decoder.input_size == (96, 128)
    assert pose.model.head.decoder.heatmap_size == (24, 32)
    assert pose.val_dataloader.dataset.bbox_file is None


def test_coco_metric_of_no_detections_is_empty(mini_data):
    """Why the matrix keeps every detection: mmdet's CocoMetric reports no key at all (it logs
    'The testing results of the whole dataset is empty.') when nothing was detected, while a
    single detection anywhere gets every key."""
    from mmdet.evaluation import CocoMetric
    from pycocotools.coco import COCO
    val = mini_data['coco']['val']
    ann_file = osp.join(val['data_root'], val['ann_file'])
    images = COCO(ann_file).dataset['images']

    def evaluate(num_boxes):
        metric = CocoMetric(ann_file=ann_file, metric=['bbox', 'segm'])
        metric.dataset_meta = val['metainfo']
        for image in images:
            height, width = image['height'], image['width']
            pred = dict(bboxes=torch.tensor([[0., 0., 20., 20.]] * num_boxes).view(-1, 4),
                        scores=torch.ones(num_boxes), labels=torch.zeros(num_boxes).long(),
                        masks=torch.ones(num_boxes, height, width, dtype=torch.bool))
            metric.process({}, [dict(pred_instances=pred, img_id=image['id'],
                                     ori_shape=(height, width))])
        return metric.evaluate(len(images))

    assert evaluate(0) == {}
    results = evaluate(1)
    assert 0 <= results['coco/bbox_mAP'] <= 1 and 0 <= results['coco/segm_mAP'] <= 1


@pytest.mark.parametrize('config', CONFIGS)
def test_train_one_iteration_and_validate(config, mini_data, tmp_path):
    cfg = use_mini_data(Config.fromfile(osp.join(CONFIG_DIR, config)), mini_data)
    name = osp.splitext(config)[0].replace(osp.sep, '__')
    cfg.work_dir = str(tmp_path)
    # Unique names: the Runner keys its DefaultScope, MessageHub and logger on the experiment
    # name, and the toolkits' configs all name their visualizer 'visualizer', which would hand
    # every later run of the same toolkit the first run's instance (and its save_dir).
    cfg.experiment_name = name
    cfg.visualizer.name = name
    if cfg.default_scope == 'mmdet':
        keep_every_detection(cfg.model.test_cfg)
    # The Runner sets the default scope from the config; restore the global one afterwards.
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        runner = Runner.from_cfg(cfg)
        counter = CountPredictions()
        runner.register_hook(counter)
        assert DefaultScope.get_current_instance().scope_name == cfg.default_scope
        runner.train()

        assert runner.iter == 1
        assert len(runner.val_dataloader) == 1
        hub = runner.message_hub
        losses = {k: v.current() for k, v in hub.log_scalars.items()
                  if k.startswith('train/') and 'loss' in k}
        assert 'train/loss' in losses
        assert all(math.isfinite(v) for v in losses.values()), losses
        assert counter.steps == 1
        for key, (low, high, special) in expected_metrics(cfg).items():
            assert f'val/{key}' in hub.log_scalars, sorted(hub.log_scalars)
            value = hub.get_scalar(f'val/{key}').current()
            assert low <= value <= high or value == special, (key, value)
        if cfg.default_scope == 'mmdet':
            assert counter.instances > 0

        # Not distributed: the Runner reverted SyncBN to BatchNorm (_BatchNormXd).
        module_types = {type(m).__name__ for m in runner.model.modules()}
        assert 'SyncBatchNorm' not in module_types
        if 'SyncBN' in norm_types(cfg.model):
            assert '_BatchNormXd' in module_types
    del runner
    gc.collect()
