"""Every config under configs/ builds, trains one iteration and validates on the mini datasets.

The configs are discovered, so a new one is tested without touching this file. Each runs in this
process, through mmengine's Runner as tools/train.py runs it, after
:func:`mmhsnet.testing.use_mini_data` made it small and short. The parametrization (sorted
paths) interleaves mmdet, mmseg and mmpose configs, so registries and default scopes must not
leak from one toolkit's run into the next.
"""
import gc
import glob
import math
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

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
    """The keys the config's val evaluator reports, e.g. ``coco/bbox_mAP``."""
    keys = []
    for metric in _as_list(cfg.val_evaluator):
        kind = (cfg.default_scope, metric.type)
        if kind == ('mmdet', 'CocoMetric'):
            keys += [f'coco/{m}_mAP' for m in _as_list(metric.get('metric', 'bbox'))]
        elif kind == ('mmseg', 'IoUMetric'):
            keys += _as_list(metric.get('iou_metrics', ['mIoU']))
        elif kind == ('mmpose', 'CocoMetric'):
            keys.append('coco/AP')
        elif kind == ('mmpose', 'MpiiPCKAccuracy'):
            keys.append('PCK')
        else:
            raise NotImplementedError(f'Add the metric keys of {kind} to expected_metrics')
    return keys


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
    assert scopes == {'mmdet', 'mmseg', 'mmpose'}


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
        metrics = expected_metrics(cfg)
        if cfg.default_scope == 'mmdet' and counter.instances == 0:
            # After one iteration from scratch (Lite-HRNet-30 + Mask R-CNN: first loss ~2e3)
            # a detector may predict nothing; mmdet's CocoMetric then reports no keys.
            metrics = []
        for key in metrics:
            assert f'val/{key}' in hub.log_scalars, sorted(hub.log_scalars)
            assert not math.isnan(hub.get_scalar(f'val/{key}').current())

        # Not distributed: the Runner reverted SyncBN to BatchNorm (_BatchNormXd).
        module_types = {type(m).__name__ for m in runner.model.modules()}
        assert 'SyncBatchNorm' not in module_types
        if 'SyncBN' in norm_types(cfg.model):
            assert '_BatchNormXd' in module_types
    del runner
    gc.collect()
