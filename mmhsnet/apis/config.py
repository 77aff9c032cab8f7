"""Loading a config with the command line's overrides, and the checks the tools run before
anything is built: each turns what would be a stack trace deep inside the Runner into an
:class:`~mmhsnet.apis.InputError` that names the setting and the fix.

Nothing here imports mmdet, mmseg or mmpose: the config's ``default_scope`` decides which
toolkit a model is built from.
"""
import difflib
import os
import os.path as osp

from mmengine.config import Config
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope

from ..utils.checkpoint import check_pretrained_fits, missing_pretrained_checkpoint
from ..utils.config import iter_key, leaf_datasets
from .errors import InputError


def load_config(config, cfg_options=None, work_dir=None, launcher='none'):
    """Load a config and apply the CLI's overrides (``--cfg-options``, ``--work-dir``,
    ``--launcher``), as mmdet's tools do.

    Args:
        config (str): Config file path.
        cfg_options (dict, optional): ``--cfg-options`` key-value pairs.
        work_dir (str, optional): ``--work-dir``; defaults to ``./work_dirs/<config name>``.
        launcher (str): 'none', 'pytorch', 'slurm' or 'mpi'.

    Returns:
        Config: The config.
    """
    if not osp.isfile(config):
        raise InputError(f'config file {config!r} does not exist')
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def _pretrained_modules(model):
    """``(path, module config, Pretrained init config)`` of every module of a model config
    that is initialised from a local checkpoint file."""
    for path, node in iter_key(model, 'init_cfg', 'model'):
        init_cfgs = node['init_cfg']
        for init_cfg in init_cfgs if isinstance(init_cfgs, (list, tuple)) else [init_cfgs]:
            if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained' \
                    and '://' not in str(init_cfg.get('checkpoint', '')):
                yield path, node, init_cfg


def check_pretrained_checkpoints(cfg):
    """Check every ``Pretrained`` ``init_cfg`` that names a local file before the Runner is
    built: the file must exist and fit the module it initialises (which is built for the
    check), where mmengine would fail deep inside ``init_weights`` or only warn and train on
    with random weights."""
    scope = cfg.get('default_scope')
    for where, module_cfg, init_cfg in _pretrained_modules(cfg.get('model', {})):
        where = f'{where}.init_cfg'
        ckpt = missing_pretrained_checkpoint(init_cfg)
        if ckpt is not None:
            raise InputError(
                f'{where}.checkpoint={ckpt!r} does not exist.\n'
                '  Put the ImageNet-pretrained weights there (see "Pretrained weights" in the '
                f'README),\n  point to them with --cfg-options {where}.checkpoint=PATH,\n'
                f'  or train from scratch with --cfg-options {where}=None')
        if 'type' not in module_cfg:
            continue
        with DefaultScope.overwrite_default_scope(scope):
            module = ROOT_MODELS.build(module_cfg)
        try:
            check_pretrained_fits(init_cfg, module, where=where)
        except (ValueError, RuntimeError) as e:
            raise InputError(
                f'{e}\n  Point {where}.checkpoint at weights of this model, or train from '
                f'scratch with --cfg-options {where}=None') from None


def check_mmhsnet_types(cfg):
    """Fail with the list of what mmhsnet registers when the model or the custom hooks name an
    ``mmhsnet.X`` that does not exist (instead of a ``KeyError`` from deep in the Runner)."""
    from ..registry import HOOKS, MODELS
    registries = {'model': MODELS, 'custom_hooks': HOOKS}
    for key, registry in registries.items():
        registry.import_from_location()
        known = sorted(registry.module_dict)
        for where, node in iter_key(cfg.get(key), 'type', key):
            type_ = node['type']
            scope, _, name = str(type_).rpartition('.')
            if scope == 'mmhsnet' and name not in registry.module_dict:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean 'mmhsnet.{close[0]}'?)" if close else ''
                raise InputError(
                    f"{where}.type={type_!r} is not registered in mmhsnet{hint}; "
                    f"mmhsnet's {registry.name}s are: {', '.join(known)}")


def _dataset_path(dataset):
    """``(key, path)`` of what a dataset reads first: its annotation file, or (without one) its
    image folder; None when neither is named."""
    if dataset.get('ann_file'):
        return 'ann_file', dataset['ann_file']
    prefix = dataset.get('data_prefix') or {}
    if isinstance(prefix, str):  # mmpretrain's datasets
        return 'data_prefix', prefix
    if dataset.get('split'):  # mmpretrain's ImageNet: <data_root>/<split>/
        return 'split', dataset['split']
    key = next((k for k in ('img', 'img_path') if prefix.get(k)), None)
    return None if key is None else (f'data_prefix.{key}', prefix[key])


_IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif')


def _check_classification_layout(dataset, where, num_classes):
    """mmpretrain's ImageNet layout: ``<data_root>/<split>/`` with ``meta/<split>.txt`` lines
    ``path label``, or one sub-folder per class without a list."""
    data_root = dataset.get('data_root') or ''
    split = dataset.get('split') or ''
    prefix = dataset.get('data_prefix') or split
    if not isinstance(prefix, str):
        return
    folder = osp.join(data_root, prefix)
    ann_file = dataset.get('ann_file') or (f'meta/{split}.txt' if split else '')
    ann_path = osp.join(data_root, ann_file) if ann_file else ''
    if not dataset.get('ann_file') and ann_path and not osp.isfile(ann_path):
        ann_path = ''  # mmpretrain then reads the classes from the sub-folders
    if not ann_path:
        entries = sorted(os.listdir(folder))
        if not any(osp.isdir(osp.join(folder, e)) for e in entries):
            images = [e for e in entries if e.lower().endswith(_IMAGE_EXTENSIONS)]
            raise InputError(
                f'{where}: {folder!r} holds {len(images)} images and no class folders, and '
                f'there is no {osp.join(data_root, ann_file or "meta/<split>.txt")!r} that '
                "labels them.\n  ImageNet's layout: meta/<split>.txt with one 'path label' "
                'line per image, or one sub-folder of images per class')
        return
    if split == 'test' or not dataset.get('with_label', True):
        return  # a list of paths without labels (ImageNet's test split)
    with open(ann_path, encoding='utf-8') as f:
        lines = [line.split() for line in f if line.strip()]
    bad = next((i for i, parts in enumerate(lines)
                if len(parts) != 2 or not parts[1].lstrip('-').isdigit()), None)
    if bad is not None:
        raise InputError(
            f'{where}: line {bad + 1} of {ann_path!r} is {" ".join(lines[bad])!r}; each line '
            "must be 'path label' (an image path relative to "
            f'{folder!r} and an integer class index)')
    if not lines:
        raise InputError(f'{where}: the annotation file {ann_path!r} is empty')
    first = osp.join(folder, lines[0][0])
    if not osp.isfile(first):
        raise InputError(
            f'{where}: {ann_path!r} lists {lines[0][0]!r}, which is not in {folder!r}: '
            'data_root, split or data_prefix does not match the layout of the list')
    labels = [int(parts[1]) for parts in lines]
    if num_classes is not None and not 0 <= min(labels) <= max(labels) < num_classes:
        raise InputError(
            f'{where}: {ann_path!r} has labels {min(labels)}..{max(labels)}, the model\'s head '
            f'predicts {num_classes} classes (model.head.num_classes): they must be in '
            f'0..{num_classes - 1}')


def check_data_paths(cfg, splits):
    """Fail with advice when a dataset's annotation file (or, without one, its image folder)
    is missing or empty, before the Runner builds anything; for mmpretrain's datasets, also
    when the folder is not in ImageNet's layout or the labels do not fit the head.

    Args:
        cfg (Config): The config.
        splits (Sequence[str]): The dataloaders to check, e.g. ``('train', 'val')``.
    """
    head = (cfg.get('model') or {}).get('head')
    num_classes = head.get('num_classes') if isinstance(head, dict) else None
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or (split != 'train' and not cfg.get(f'{split}_cfg')):
            continue
        for dataset in leaf_datasets(loader.get('dataset')):
            data_root = dataset.get('data_root') or ''
            found = _dataset_path(dataset)
            if found is None:
                continue
            key, path = found
            if '://' in str(path) or '://' in str(data_root):
                continue
            full = path if osp.isabs(path) else osp.join(data_root, path)
            where = f'{split}_dataloader.dataset'
            if not osp.exists(full):
                raise InputError(
                    f'{where}: {full!r} does not exist (data_root={data_root!r}, '
                    f'{key}={path!r}).\n  Put the dataset there (see the toolkit\'s dataset '
                    f'docs), point at it with --cfg-options {where}.data_root=DIR, or try the '
                    'generated data: python tools/demo.py, python tools/misc/'
                    'make_mini_datasets.py data/mini')
            if osp.isfile(full) and osp.getsize(full) == 0:
                raise InputError(f'{where}: the annotation file {full!r} is empty')
            if cfg.get('default_scope') == 'mmpretrain':
                _check_classification_layout(dataset, where, num_classes)


def check_config(cfg, splits):
    """The checks the tools run before building the Runner: ``mmhsnet.X`` types, the
    datasets the run reads, and (for training) the pretrained checkpoints.

    Raises:
        InputError: What is wrong and how to fix it.
    """
    check_mmhsnet_types(cfg)
    check_data_paths(cfg, splits)
    if 'train' in splits:
        check_pretrained_checkpoints(cfg)
