"""Building mmengine's Runner the way ``tools/train.py``, ``tools/test.py`` and
``tools/demo.py`` all do, and the launch options they share with mmdet's tools."""
import os

import torch
import torch.distributed as dist
from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..engine import check_published
from .errors import InputError


def _add_hook(cfg, hook):
    """Append ``hook`` (a config dict) to ``custom_hooks`` unless a hook of its type is there."""
    hooks = cfg.get('custom_hooks') or []
    name = hook['type'].rpartition('.')[-1]
    if not any(isinstance(h, dict) and str(h.get('type')).rpartition('.')[-1] == name
               for h in hooks):
        cfg.custom_hooks = [*hooks, hook]


def add_random_state_hook(cfg):
    """Add ``mmhsnet.RandomStateHook`` to the config's ``custom_hooks`` unless it is there, so
    that a resumed run draws the random numbers of an uninterrupted one
    (:mod:`mmhsnet.engine.hooks`)."""
    _add_hook(cfg, dict(type='mmhsnet.RandomStateHook'))


def add_published_result_hook(cfg):
    """Add ``mmhsnet.PublishedResultHook`` when the config records the published result it is
    meant to reproduce (its ``published`` entry): the last validation and a test then log ours
    beside it.

    Raises:
        InputError: ``published`` is malformed.
    """
    try:
        published = check_published(cfg.get('published'))
    except ValueError as e:
        raise InputError(f'the config\'s {e}') from None
    if published:
        _add_hook(cfg, dict(type='mmhsnet.PublishedResultHook', published=published))


def _setup_cpu_distributed(cfg):
    """mmengine 0.10.7 assumes CUDA when launched distributed: it calls
    ``torch.cuda.set_device`` and wraps the model with ``device_ids=[rank]``. Without CUDA,
    start the gloo process group ourselves (the Runner then skips its own initialisation) and
    let DDP keep the parameters on the CPU. On GPUs the stock path is untouched."""
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if cfg.launcher != 'pytorch':
        raise InputError(f'--launcher {cfg.launcher} needs GPUs; on CPU-only machines use '
                         '--launcher pytorch (torchrun, tools/dist_train.sh)')
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
    parser.add_argument(
        '--local_rank', '--local-rank', type=int, default=0,
        help='set by torch.distributed.launch; torchrun sets LOCAL_RANK instead')
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args
