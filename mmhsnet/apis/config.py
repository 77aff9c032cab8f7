"""Loading a config with the command line's overrides, and the checks the tools run before
anything is built: each turns what would be a stack trace deep inside the Runner into an
:class:`~mmhsnet.apis.InputError` that names the setting and the fix.

Nothing here imports mmdet, mmseg or mmpose: the config's ``default_scope`` decides which
toolkit a model is built from.
"""
import difflib
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


def check_data_paths(cfg, splits):
    """Fail with advice when a dataset's annotation file (or, without one, its image folder)
    is missing or empty, before the Runner builds anything.

    Args:
        cfg (Config): The config.
        splits (Sequence[str]): The dataloaders to check, e.g. ``('train', 'val')``.
    """
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader or (split != 'train' and not cfg.get(f'{split}_cfg')):
            continue
        for dataset in leaf_datasets(loader.get('dataset')):
            data_root = dataset.get('data_root') or ''
            ann_file = dataset.get('ann_file')
            if ann_file:
                key, path = 'ann_file', ann_file
            else:
                prefix = dataset.get('data_prefix') or {}
                if isinstance(prefix, str):  # mmpretrain's datasets
                    key, path = 'data_prefix', prefix
                else:
                    key = next((k for k in ('img', 'img_path') if prefix.get(k)), None)
                    if key is None:
                        continue
                    key, path = f'data_prefix.{key}', prefix[key]
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
