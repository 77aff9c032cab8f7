"""Point a config at the mini datasets and make it small and short: a smoke test on a laptop.

:func:`use_mini_data` takes any mmdet, mmseg, mmpose or mmpretrain config (ours or a
toolkit's) and returns a copy that trains for one iteration on the datasets
:func:`~mmhsnet.testing.make_all` writes, then validates on one sample, with small images, no
pretrained weights to download and no checkpoints to save::

    from mmengine.config import Config
    from mmengine.runner import Runner
    from mmhsnet.testing import make_all, use_mini_data

    data = make_all('data/mini')
    cfg = Config.fromfile('configs/hsresnet/mask-rcnn_hsr50_fpn_1x_coco.py')
    cfg = use_mini_data(cfg, data)
    cfg.work_dir = 'work_dirs/smoke'
    Runner.from_cfg(cfg).train()  # one iteration, then COCO bbox and segm mAP on one image

Everything is generic: pipelines are walked (wrapped datasets and nested transforms included)
rather than indexed, and which mini dataset replaces which real one is read from the config's
``default_scope`` and dataset ``type`` (:data:`MINI_DATASET_OF`). Nothing here imports a
toolkit, except ``<default_scope>.registry`` to count the classes of a dataset class.
"""
import copy
import importlib
import os.path as osp

from ..utils.config import leaf_datasets

# (default_scope, dataset type) -> the key of the mini dataset in the same format in what
# make_all returns.
MINI_DATASET_OF = {
    ('mmdet', 'CocoDataset'): 'coco',
    ('mmseg', 'CityscapesDataset'): 'cityscapes',
    ('mmpose', 'CocoDataset'): 'coco_kpt',
    ('mmpose', 'MpiiDataset'): 'mpii',
    ('mmpretrain', 'ImageNet'): 'imagenet',
}

# How much every image size shrinks by default:
# mmdet: 1333x800 -> 160x96, so the 320x240 mini COCO images become 128x96;
# mmseg: 2048x1024 -> 256x128, the size of the mini Cityscapes images, and 512x1024 crops ->
#     64x128;
# mmpose: 256x192 -> 128x96 inputs (64x48 -> 32x24 heatmaps), still a multiple of 32;
# mmpretrain: 224 crops -> 56, 256 -> 64 (the mini ImageNet images are 96x96).
DEFAULT_SCALE_FACTORS = {'mmdet': 0.12, 'mmseg': 0.125, 'mmpose': 0.5, 'mmpretrain': 0.25}

# Keys of transforms (in pipelines and the data preprocessor's batch augments) and codecs whose
# integers are image sizes: Resize/RandomResize/RandomChoiceResize ``scale(s)``, Mosaic/MixUp
# ``img_scale``, RandomCrop ``crop_size``, Pad and SegDataPreProcessor ``size``, mmpose's
# TopdownAffine and codec ``input_size`` and ``heatmap_size``, ... Floats (relative sizes, ratio
# ranges) are left alone.
SIZE_KEYS = ('scale', 'scales', 'img_scale', 'crop_size', 'size', 'random_size_range',
             'input_size', 'heatmap_size', 'in_featuremap_size')

_SPLITS = ('train', 'val', 'test')


def use_mini_data(cfg,
                  data_infos,
                  scale_factor=None,
                  batch_size=2,
                  val_batch_size=1,
                  num_iters=1,
                  num_val_samples=1,
                  save_checkpoint=False,
                  seed=0):
    """Adapt a config to the mini datasets: small, short and self-contained.

    What changes (in a copy; ``cfg`` is left as it is):

    * **data**: the train, val and test datasets (the innermost ones, under dataset wrappers)
      read the mini dataset of the same format (:data:`MINI_DATASET_OF`): mmdet COCO ->
      mini COCO instances (its classes in ``metainfo``), mmseg Cityscapes -> mini Cityscapes,
      mmpose COCO / MPII -> mini COCO keypoints / MPII (val with ground-truth boxes,
      ``bbox_file=None``, and the MPII head boxes for PCKh), mmpretrain ImageNet -> mini
      ImageNet (shapes as classes). Evaluators' ``ann_file`` point at
      the mini val annotations. ``num_classes`` of the model's heads that equal the number of
      classes of the config's dataset (its ``metainfo`` or class) become the mini dataset's.
    * **sizes**: every image size in the pipelines (see :data:`SIZE_KEYS`), the data
      preprocessor (mmseg's pad ``size``, batch augments), mmseg's sliding-window test and
      mmpose's codecs shrinks by ``scale_factor``, so that multi-scale ranges, crops and
      heatmaps keep their proportions.
    * **length**: ``batch_size * num_iters`` training samples (dataset ``indices``) and
      ``num_iters`` iterations: one epoch for epoch-based loops, ``max_iters=num_iters`` for
      iter-based ones; validation right after, on ``num_val_samples`` samples. Parameter
      schedulers that would end later end there. Dataloaders load in the main process.
    * **runtime**: pretrained weights (``Pretrained`` init_cfgs, ``pretrained=...``,
      ``load_from``) are dropped, the logger logs every iteration, checkpoints are only saved
      with ``save_checkpoint=True`` (then every epoch or ``num_iters`` iterations) and the
      random seed is fixed.

    ``work_dir`` is not set: give the Runner one. SyncBN layers may stay in the config: the
    Runner turns them into BatchNorm when it does not run distributed.

    Args:
        cfg (mmengine.Config): A loaded mmdet, mmseg, mmpose or mmpretrain config
            (``default_scope``).
        data_infos (dict): What :func:`~mmhsnet.testing.make_all` returned (at least the
            dataset this config needs).
        scale_factor (float, optional): How much image sizes shrink;
            :data:`DEFAULT_SCALE_FACTORS` of the config's toolkit when None. For mmpose, keep
            the input size a multiple of the backbone's stride.
        batch_size (int): Training batch size. Defaults to 2: BatchNorm layers on pooled
            features (ASPP's image pooling, ResNeSt's split attention) fail in training on a
            batch of one.
        val_batch_size (int): Val and test batch size. Defaults to 1.
        num_iters (int): Training iterations. Defaults to 1.
        num_val_samples (int): Val and test samples (images; people for top-down pose).
            Defaults to 1.
        save_checkpoint (bool): Keep the CheckpointHook (saving after the training).
            Defaults to False.
        seed (int, optional): Random seed (``randomness.seed``); the config's when None.
            Defaults to 0.

    Returns:
        mmengine.Config: The adapted copy.
    """
    cfg = copy.deepcopy(cfg)
    scope = cfg.get('default_scope')
    if scope not in DEFAULT_SCALE_FACTORS:
        raise ValueError(f"use_mini_data supports the default scopes "
                         f"{sorted(DEFAULT_SCALE_FACTORS)}, the config has {scope!r}")
    if scale_factor is None:
        scale_factor = DEFAULT_SCALE_FACTORS[scope]

    for split in _SPLITS:
        loader = cfg.get(f'{split}_dataloader')
        if loader is None:
            continue
        train = split == 'train'
        loader.update(
            batch_size=batch_size if train else val_batch_size,
            num_workers=0,
            persistent_workers=False)
        num_samples = batch_size * num_iters if train else num_val_samples
        num_config_classes = _num_classes(loader.dataset, scope) if train else None
        info = _point_at_mini_data(loader.dataset, scope, data_infos, train, num_samples)
        if train:
            # mmpretrain's data preprocessor (a top-level key) one-hot encodes for mixup
            _set_num_classes([cfg.model, cfg.get('data_preprocessor')], num_config_classes,
                             info)
        else:
            _set_evaluator_ann_files(cfg.get(f'{split}_evaluator'), info)
        for pipeline in _pipelines(loader.dataset):
            _scale_sizes(pipeline, scale_factor)

    _scale_model_sizes(cfg.model, scale_factor)
    _scale_config_variables(cfg, scale_factor)
    _drop_pretrained(cfg.model)
    cfg.load_from = None
    cfg.resume = False
    _shorten_schedule(cfg, num_iters)

    hooks = cfg.default_hooks
    if hooks.get('logger'):
        hooks.logger.interval = 1
    if save_checkpoint:
        hooks.checkpoint.interval = 1 if _is_epoch_based(cfg.train_cfg) else num_iters
    else:
        hooks.checkpoint = None
    if seed is not None:
        cfg.randomness = dict(cfg.get('randomness') or {}, seed=seed)
    return cfg


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
def _pipelines(dataset):
    """Every pipeline of a dataset and its wrappers (e.g. MultiImageMixDataset's)."""
    if dataset.get('pipeline'):
        yield dataset.pipeline
    for sub in [dataset.get('dataset')] + list(dataset.get('datasets') or []):
        if sub is not None:
            yield from _pipelines(sub)


def _type_name(type_):
    """'mmpose.CocoDataset' -> 'CocoDataset'."""
    return type_.rpartition('.')[-1] if isinstance(type_, str) else type_.__name__


def _point_at_mini_data(dataset, scope, data_infos, train, num_samples):
    """Make the (wrapped) dataset read ``num_samples`` of the mini dataset of its format;
    return the generator's info of that dataset."""
    if dataset.get('times') is not None:  # RepeatDataset
        dataset.times = 1
    info = None
    for leaf in leaf_datasets(dataset):
        key = MINI_DATASET_OF.get((scope, _type_name(leaf.type)))
        if key is None:
            supported = sorted(t for s, t in MINI_DATASET_OF if s == scope)
            raise ValueError(f'No mini dataset in the format of {scope} {leaf.type}; '
                             f'{scope} configs with {supported} are supported')
        if key not in data_infos:
            raise KeyError(f'The config needs the mini dataset {key!r}: '
                           f"make_all(..., datasets=(..., {key!r}))")
        info = data_infos[key]
        leaf.update(copy.deepcopy(info['train' if train else 'val']))
        if 'bbox_file' in leaf:  # mmpose: ground-truth person boxes, not a detector's
            leaf.bbox_file = None
        leaf.indices = num_samples
    return info


def _num_classes(dataset, scope):
    """Classes of a dataset config: its own ``metainfo`` or its class's ``METAINFO``."""
    leaf = next(leaf_datasets(dataset))
    classes = (leaf.get('metainfo') or {}).get('classes')
    if classes is None:
        registry = importlib.import_module(f'{scope}.registry')
        classes = registry.DATASETS.get(leaf.type).METAINFO.get('classes')
    return None if classes is None else len(classes)


def _set_num_classes(model, num_config_classes, info):
    """Heads (and losses, preprocessors) predicting the config's dataset classes predict the
    mini dataset's."""
    classes = info['train'].get('metainfo', {}).get('classes')
    if classes is None or num_config_classes is None:  # pose: same keypoints as the real data
        return
    for node in _dicts(model):
        if node.get('num_classes') == num_config_classes:
            node.num_classes = len(classes)


def _set_evaluator_ann_files(evaluator, info):
    val = info['val']
    for metric in evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]:
        if metric and 'ann_file' in metric and 'ann_file' in val:
            metric.ann_file = osp.join(val['data_root'], val['ann_file'])


# --------------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------------
def _scale(value, factor):
    """Scale integers (also inside tuples and lists) and keep everything else."""
    if isinstance(value, bool) or not isinstance(value, (int, tuple, list)):
        return value
    if isinstance(value, int):
        return max(1, round(value * factor))
    return type(value)(_scale(v, factor) for v in value)


def _scale_sizes(node, factor):
    """Scale the :data:`SIZE_KEYS` of every transform (or codec) in a nested structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SIZE_KEYS:
                node[key] = _scale(value, factor)
            else:
                _scale_sizes(value, factor)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _scale_sizes(item, factor)


def _scale_model_sizes(model, factor):
    """Image sizes in the model: the data preprocessor, mmseg's sliding-window test and
    mmpose's codecs (``decoder``). Anchor scales, strides etc. are not image sizes."""
    _scale_sizes(model.get('data_preprocessor'), factor)
    test_cfg = model.get('test_cfg')
    if isinstance(test_cfg, dict) and test_cfg.get('mode') == 'slide':
        test_cfg.crop_size = _scale(test_cfg.crop_size, factor)
        test_cfg.stride = _scale(test_cfg.stride, factor)
    for node in _dicts(model):
        if 'input_size' in node or 'in_featuremap_size' in node:
            for key in ('input_size', 'heatmap_size', 'in_featuremap_size'):
                if key in node:
                    node[key] = _scale(node[key], factor)


def _scale_config_variables(cfg, factor):
    """The config's own variables that the fields above were made from (``crop_size``,
    ``train_pipeline``, ``codec``, ...), so that a dumped config reads consistently."""
    for key, value in cfg.items():
        if key in SIZE_KEYS:
            cfg[key] = _scale(value, factor)
        elif key.endswith('pipeline') or key == 'codec':
            _scale_sizes(value, factor)


def _dicts(node):
    """Every dict in a nested structure, outer ones first."""
    if isinstance(node, dict):
        yield node
        children = node.values()
    elif isinstance(node, (list, tuple)):
        children = node
    else:
        return
    for child in children:
        yield from _dicts(child)


# --------------------------------------------------------------------------------------------
# Weights and schedule
# --------------------------------------------------------------------------------------------
def _is_pretrained(init_cfg):
    return isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'


def _drop_pretrained(model):
    for node in _dicts(model):
        if isinstance(node.get('pretrained'), str):
            node.pretrained = None
        init_cfg = node.get('init_cfg')
        if _is_pretrained(init_cfg):
            node.init_cfg = None
        elif isinstance(init_cfg, (list, tuple)):
            kept = [c for c in init_cfg if not _is_pretrained(c)]
            node.init_cfg = kept or None


def _is_epoch_based(train_cfg):
    return 'max_epochs' in train_cfg


def _shorten_schedule(cfg, num_iters):
    """Train ``num_iters`` iterations (one epoch of ``indices`` samples for epoch-based loops),
    validate after them, and end the parameter schedulers there."""
    train_cfg = cfg.train_cfg
    if _is_epoch_based(train_cfg):
        train_cfg.update(max_epochs=1, val_interval=1)
    else:
        train_cfg.update(max_iters=num_iters, val_interval=num_iters)
    if 'val_begin' in train_cfg:
        train_cfg.val_begin = 1
    train_cfg.pop('dynamic_intervals', None)

    schedulers = cfg.get('param_scheduler') or []
    for scheduler in schedulers if isinstance(schedulers, (list, tuple)) else [schedulers]:
        # In epochs (mmengine's default) or iterations; both are 1 epoch = num_iters here.
        length = 1 if scheduler.get('by_epoch', True) else num_iters
        if scheduler.get('end', 0) > length > scheduler.get('begin', 0):
            scheduler.end = length
