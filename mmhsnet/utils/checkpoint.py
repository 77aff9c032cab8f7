"""Checkpoint loading: safe for third-party weights, compatible with mmengine's own checkpoints.

Two kinds of files are loaded in an OpenMMLab project, and they deserve different trust:

* **Third-party weights** (ImageNet backbones, public checkpoints fed to our converters or to
  ``init_cfg=dict(type='Pretrained', ...)``) are loaded with ``torch.load(weights_only=True)``:
  a pickle that would import or call anything beyond tensors and plain containers is refused.
  :func:`load_weights` is mmhsnet's single entry point for them.
* **mmengine's own training checkpoints** (``--resume``, ``load_from``, ``tools/test.py
  CHECKPOINT``) carry the message hub, whose ``HistoryBuffer`` and numpy scalars are not
  allow-listed by torch's safe unpickler. mmengine 0.10.7 calls ``torch.load`` without
  ``weights_only``, and torch >= 2.6 defaults to ``weights_only=True``, so resuming fails
  (``UnpicklingError: Weights only load failed ... HistoryBuffer``).

:func:`apply_mmengine_compat` fixes the second without weakening the first, as upstream mmengine
(unreleased main) does: only while :meth:`mmengine.runner.Runner.load_checkpoint` runs (it serves
``resume`` and ``load_from``) are local files loaded with ``weights_only=False``. Pretrained
initialisation (``init_cfg``) goes through another function and keeps torch's safe default.
Importing :mod:`mmhsnet` applies it, so it is active in our tools and in every config that has
``custom_imports=dict(imports=['mmhsnet.models'])``. Treat ``load_from`` / ``--resume`` files like
code: only use checkpoints you or someone you trust trained.
"""
import contextvars
import functools
import os.path as osp
import pickle

import torch
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader, load_from_local
from mmengine.utils import digit_version

# True only while Runner.load_checkpoint (resume / load_from) is on the stack of this context.
_TRUSTED_RUNNER_CHECKPOINT = contextvars.ContextVar('mmhsnet_trusted_runner_checkpoint',
                                                    default=False)
_stock_load_from_local = load_from_local


def load_weights(filename, map_location='cpu'):
    """Load a third-party weight file safely (``torch.load(weights_only=True)``).

    Args:
        filename (str): Path of a ``.pth`` / ``.pt`` file.
        map_location (str | torch.device | callable): As in :func:`torch.load`.

    Returns:
        dict: What the file holds (a state dict or a dict that contains one).

    Raises:
        FileNotFoundError: The file does not exist.
        RuntimeError: The file is truncated or corrupt, or it holds pickled code or objects
            that are not plain tensors and containers (refused, nothing was executed).
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file not found: {filename!r}')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise RuntimeError(
            f'Refused to load {filename!r}: it is not a plain weight file. torch.load('
            f'weights_only=True) rejected it, so nothing in it was executed. Original error: '
            f'{str(e).splitlines()[0]}') from e
    except (EOFError, RuntimeError, ValueError, OSError) as e:
        raise RuntimeError(
            f'Cannot read checkpoint {filename!r}: the file is truncated or corrupt '
            f'({type(e).__name__}: {str(e).splitlines()[0] if str(e) else "no detail"}).'
        ) from e


def _load_from_local(filename, map_location):
    """mmengine's loader for local paths, trusting the file only inside
    ``Runner.load_checkpoint``."""
    if not _TRUSTED_RUNNER_CHECKPOINT.get():
        return _stock_load_from_local(filename, map_location)
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def _trusted_runner_checkpoint(load_checkpoint):

    @functools.wraps(load_checkpoint)
    def wrapper(*args, **kwargs):
        token = _TRUSTED_RUNNER_CHECKPOINT.set(True)
        try:
            return load_checkpoint(*args, **kwargs)
        finally:
            _TRUSTED_RUNNER_CHECKPOINT.reset(token)

    wrapper._mmhsnet_trusted = True
    return wrapper


def needs_mmengine_compat():
    """Whether torch defaults to ``weights_only=True`` (torch >= 2.6)."""
    return digit_version(torch.__version__.split('+')[0]) >= digit_version('2.6.0')


def apply_mmengine_compat():
    """Let ``Runner.load_checkpoint`` (resume / load_from / test) read mmengine's own
    checkpoints under torch >= 2.6; every other load keeps ``weights_only=True``.

    Idempotent. Does nothing on torch < 2.6.
    """
    if not needs_mmengine_compat() or getattr(Runner.load_checkpoint, '_mmhsnet_trusted',
                                              False):
        return
    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)
    Runner.load_checkpoint = _trusted_runner_checkpoint(Runner.load_checkpoint)


def missing_pretrained_checkpoint(init_cfg):
    """The local checkpoint a ``Pretrained`` init config names, if that file is missing.

    Args:
        init_cfg (dict): One initialization config.

    Returns:
        str | None: The missing path; None when the file exists, the checkpoint is a URL or a
        ``scheme://`` name, or ``init_cfg`` is not ``Pretrained``.
    """
    if not isinstance(init_cfg, dict) or init_cfg.get('type') != 'Pretrained':
        return None
    ckpt = str(init_cfg.get('checkpoint', ''))
    if '://' in ckpt or osp.isfile(osp.expanduser(ckpt)):
        return None
    return ckpt


def check_pretrained_exists(init_cfg, owner):
    """Fail early, with advice, when ``init_cfg`` names a local checkpoint that is missing.

    Args:
        init_cfg (dict | list[dict] | None): A module's ``init_cfg``.
        owner (str): Name of the module, for the message.
    """
    for cfg in init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]:
        ckpt = missing_pretrained_checkpoint(cfg)
        if ckpt is not None:
            raise FileNotFoundError(
                f'{owner}: the pretrained checkpoint init_cfg.checkpoint={ckpt!r} does not exist. '
                'Put the ImageNet weights there (see "Pretrained weights" in the README), point '
                "init_cfg.checkpoint at them, or train from scratch with init_cfg=None, e.g. "
                "--cfg-options model.backbone.init_cfg=None")
