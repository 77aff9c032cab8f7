"""What ``tools/train.py`` and ``tools/test.py`` share: config loading with the CLI's
overrides, checks that turn deep stack traces into clear messages, and building the Runner
(with the CPU-distributed fixes DESIGN § 5 describes).

Nothing here imports mmdet, mmseg or mmpose: the config's ``default_scope`` decides which
toolkit the Runner loads.
"""
import difflib
import os
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .checkpoint import missing_pretrained_checkpoint


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
        raise SystemExit(f'error: config file {config!r} does not exist')
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def _iter_key(node, key, path):
    """``(path, value)`` of every ``key`` in the dicts of a nested config (not looking inside
    the values of ``key`` itself), e.g. ``('model.backbone', {...})`` for ``'init_cfg'``."""
    if isinstance(node, dict):
        if key in node:
            yield path, node[key]
        for name, value in node.items():
            if name != key:
                yield from _iter_key(value, key, f'{path}.{name}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _iter_key(value, key, f'{path}[{i}]')


def _iter_init_cfgs(node, path='model'):
    for where, value in _iter_key(node, 'init_cfg', path):
        for cfg in value if isinstance(value, (list, tuple)) else [value]:
            yield f'{where}.init_cfg', cfg


def check_pretrained_checkpoints(cfg):
    """Exit with advice when a ``Pretrained`` ``init_cfg`` names a local file that is missing
    (instead of a ``FileNotFoundError`` deep inside ``init_weights``)."""
    for where, init_cfg in _iter_init_cfgs(cfg.get('model', {})):
        ckpt = missing_pretrained_checkpoint(init_cfg)
        if ckpt is not None:
            raise SystemExit(
                f'error: {where}.checkpoint={ckpt!r} does not exist.\n'
                '  Put the ImageNet-pretrained weights there (see "Pretrained weights" in the '
                f'README),\n  point to them with --cfg-options {where}.checkpoint=PATH,\n'
                f'  or train from scratch with --cfg-options {where}=None')


def check_mmhsnet_types(cfg):
    """Exit with the list of what mmhsnet registers when the model or the custom hooks name an
    ``mmhsnet.X`` that does not exist (instead of a ``KeyError`` from deep in the Runner)."""
    from ..registry import HOOKS, MODELS
    registries = {'model': MODELS, 'custom_hooks': HOOKS}
    for key, registry in registries.items():
        registry.import_from_location()
        known = sorted(registry.module_dict)
        for where, type_ in _iter_key(cfg.get(key), 'type', key):
            scope, _, name = str(type_).rpartition('.')
            if scope == 'mmhsnet' and name not in registry.module_dict:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean 'mmhsnet.{close[0]}'?)" if close else ''
                raise SystemExit(
                    f"error: {where}.type={type_!r} is not registered in mmhsnet{hint}; "
                    f"mmhsnet's {registry.name}s are: {', '.join(known)}")


def leaf_datasets(dataset):
    """The datasets of a dataset config that read files, under wrappers (``dataset=``,
    ``datasets=[...]``)."""
    if not isinstance(dataset, dict):
        return
    if 'dataset' in dataset:
        yield from leaf_datasets(dataset['dataset'])
    elif 'datasets' in dataset:
        for sub in dataset['datasets']:
            yield from leaf_datasets(sub)
    else:
        yield dataset


def check_data_paths(cfg, splits):
    """Exit with advice when a dataset's annotation file (or, without one, its image folder)
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
                key = next((k for k in ('img', 'img_path') if prefix.get(k)), None)
                if key is None:
                    continue
                key, path = f'data_prefix.{key}', prefix[key]
            if '://' in str(path) or '://' in str(data_root):
                continue
            full = path if osp.isabs(path) else osp.join(data_root, path)
            where = f'{split}_dataloader.dataset'
            if not osp.exists(full):
                raise SystemExit(
                    f'error: {where}: {full!r} does not exist (data_root={data_root!r}, '
                    f'{key}={path!r}).\n  Put the dataset there (see the toolkit\'s dataset '
                    f'docs), point at it with --cfg-options {where}.data_root=DIR, or try the '
                    'generated data: python tools/demo.py, python tools/misc/'
                    'make_mini_datasets.py data/mini')
            if osp.isfile(full) and osp.getsize(full) == 0:
                raise SystemExit(f'error: {where}: the annotation file {full!r} is empty')


def check_config(cfg, splits):
    """The checks the tools run before building the Runner: ``mmhsnet.X`` types, the
    datasets the run reads, and (for training) the pretrained checkpoints."""
    check_mmhsnet_types(cfg)
    check_data_paths(cfg, splits)
    if 'train' in splits:
        check_pretrained_checkpoints(cfg)


def _setup_cpu_distributed(cfg):
    """mmengine 0.10.7 assumes CUDA when launched distributed: it calls
    ``torch.cuda.set_device`` and wraps the model with ``device_ids=[rank]``. Without CUDA,
    start the gloo process group ourselves (the Runner then skips its own initialisation) and
    let DDP keep the parameters on the CPU. On GPUs the stock path is untouched."""
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if cfg.launcher != 'pytorch':
        raise SystemExit(f'error: --launcher {cfg.launcher} needs GPUs; on CPU-only machines '
                         'use --launcher pytorch (torchrun, tools/dist_train.sh)')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    env_cfg = cfg.get('env_cfg') or {}
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    cfg.env_cfg = env_cfg


def build_runner(cfg):
    """Build the Runner a config asks for (``runner_type`` or mmengine's ``Runner``)."""
    _setup_cpu_distributed(cfg)
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def parse_args_with_launch_options(parser):
    """Add the options our train and test tools share with mmdet's (``--cfg-options``,
    ``--launcher``, ``--local-rank``), parse, and keep ``LOCAL_RANK`` as
    ``torch.distributed.launch`` passes it.

    Args:
        parser (argparse.ArgumentParser): The tool's parser with its own arguments.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, e.g. train_cfg.max_iters=10 or '
        'key="[a,b]"; no white space is allowed')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2.0) or --local_rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args
