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
import hashlib
import os
import os.path as osp
import pickle
import re
import tempfile

import torch
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader, load_from_local
from mmengine.utils import digit_version

# True only while Runner.load_checkpoint (resume / load_from) is on the stack of this context.
_TRUSTED_RUNNER_CHECKPOINT = contextvars.ContextVar('mmhsnet_trusted_runner_checkpoint',
                                                    default=False)
_stock_load_from_local = load_from_local
_ANSI = re.compile(r'\x1b\[[0-9;]*m')  # torch's messages are coloured


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
            f'weights_only=True) rejected it, so nothing in it was executed. A training '
            f'checkpoint of your own (with optimizer and message hub) becomes one with '
            f'tools/model_converters/publish_model.py. Original error: '
            f'{_ANSI.sub("", str(e).splitlines()[0])}') from e
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


def unwrap_state_dict(checkpoint, prefix=None):
    """The state dict a loaded checkpoint holds, with the rules mmengine loads weights by.

    A ``state_dict`` entry (mmengine's, mmdet's and our checkpoints) is unwrapped; the
    ``module.`` prefix of (Distributed)DataParallel is removed from every key; with ``prefix``
    (as ``init_cfg=dict(type='Pretrained', prefix=...)``), only the keys under it are kept,
    without it.

    Args:
        checkpoint (dict): What :func:`load_weights` returned.
        prefix (str, optional): E.g. ``'backbone'`` or ``'backbone.'``. Default: None.

    Returns:
        dict: The state dict.

    Raises:
        ValueError: The checkpoint holds no state dict, or no key is under ``prefix``.
    """
    state_dict = checkpoint
    if isinstance(state_dict, dict) and isinstance(state_dict.get('state_dict'), dict):
        state_dict = state_dict['state_dict']
    if not isinstance(state_dict, dict) or not state_dict:
        raise ValueError('the checkpoint holds no state dict')
    state_dict = {k[len('module.'):] if k.startswith('module.') else k: v
                  for k, v in state_dict.items()}
    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        state_dict = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
        if not state_dict:
            raise ValueError(f'no key of the checkpoint starts with prefix={prefix!r}')
    return state_dict


def backbone_state_dict(checkpoint):
    """:func:`unwrap_state_dict` of a backbone's checkpoint, or of a whole model's (a
    detector, segmentor, pose estimator or classifier: its ``backbone.`` part)."""
    state_dict = unwrap_state_dict(checkpoint)
    if any(k.startswith('backbone.') for k in state_dict):
        return unwrap_state_dict(state_dict, prefix='backbone.')
    return state_dict


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


def blocks_per_stage(state_dict, num_stages=4):
    """Blocks per stage of a ResNet-style state dict (``layer{i}.{j}.*`` keys)."""
    return tuple(
        1 + max([int(k.split('.')[1]) for k in state_dict
                 if k.startswith(f'layer{i}.') and k.split('.')[1].isdigit()] or [-1])
        for i in range(1, num_stages + 1))


def check_state_dict(state_dict, model, allow_unexpected=False):
    """Raise a ``ValueError`` that lists missing / unexpected keys and shape mismatches.

    Args:
        state_dict (dict): Weights meant for ``model``.
        model (nn.Module): The model, e.g. ``ResNeSt(depth=50)``.
        allow_unexpected (bool): Accept keys of modules the model does not have at all (e.g.
            an ImageNet classifier's ``fc``); unexpected keys inside the model's own modules
            (``layer3.6.*`` of a deeper network) are still errors. Default: False.
    """
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    own = {k.split('.')[0] for k in expected}
    foreign = [k for k in unexpected if k.split('.')[0] not in own]
    mismatched = [
        f'{k}: checkpoint {tuple(state_dict[k].shape)} vs model {tuple(v.shape)}'
        for k, v in expected.items() if k in state_dict and state_dict[k].shape != v.shape
    ]
    if not (missing or mismatched or unexpected != (foreign if allow_unexpected else [])):
        return

    def head(items):
        return ', '.join(items[:6]) + (f' … ({len(items)} in all)' if len(items) > 6 else '')

    name = type(model).__name__
    if hasattr(model, 'depth'):
        name += f'(depth={model.depth})'
    lines = [f'The checkpoint does not fit {name}.']
    if hasattr(model, 'stage_blocks'):
        blocks = blocks_per_stage(state_dict, len(model.stage_blocks))
        lines[0] = (f'{lines[0][:-1]}: blocks per stage in the checkpoint {blocks}, '
                    f'in the model {tuple(model.stage_blocks)}.')
    lines += [f'  missing keys: {head(missing) or "none"}',
              f'  unexpected keys: {head(unexpected) or "none"}',
              f'  shape mismatches: {head(mismatched) or "none"}']
    raise ValueError('\n'.join(lines))


def check_pretrained_fits(init_cfg, model, where='init_cfg'):
    """Fail when a local ``Pretrained`` checkpoint does not fit ``model``.

    mmengine's pretrained initialisation only logs a warning for missing keys and shape
    mismatches and trains on with random weights where they do not fit, which a user notices
    epochs later. Keys the model lacks (an ImageNet classifier's ``fc``) are fine. The file
    is read with :func:`load_weights` (``weights_only=True``) and unwrapped with
    :func:`unwrap_state_dict` (``prefix`` honoured as mmengine does).

    Args:
        init_cfg (dict | list[dict] | None): The module's ``init_cfg``.
        model (nn.Module): The module.
        where (str): How the message names the init config. Default: 'init_cfg'.
    """
    for cfg in init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]:
        if not isinstance(cfg, dict) or cfg.get('type') != 'Pretrained':
            continue
        ckpt = str(cfg.get('checkpoint', ''))
        if '://' in ckpt:
            continue
        try:
            checkpoint = load_weights(ckpt)
        except RuntimeError as e:
            raise RuntimeError(f'{where}.checkpoint={ckpt!r}: {e}') from None
        try:
            state_dict = unwrap_state_dict(checkpoint, cfg.get('prefix'))
        except ValueError as e:
            hint = ''
            if cfg.get('prefix'):
                hint = (f'\n  It holds a state dict without that prefix (a backbone\'s own '
                        f'weights?): read it with {where}.prefix=None')
            raise ValueError(f'{where}.checkpoint={ckpt!r}: {e}{hint}') from None
        try:
            check_state_dict(state_dict, model, allow_unexpected=True)
        except ValueError as e:
            hint = ''
            if not cfg.get('prefix') and any(k.startswith('backbone.') for k in state_dict):
                hint = ("\n  Its keys start with 'backbone.' (a classifier's, detector's or "
                        f"pose model's checkpoint): read it with {where}.prefix='backbone.'")
            raise ValueError(f'{where}.checkpoint={ckpt!r} does not fit: {e}{hint}') from None


def _plain(value):
    """``value`` if it is made of what ``torch.load(weights_only=True)`` reads (None, bool,
    int, float, str and lists, tuples and str-keyed dicts of them), else None."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        return None if any(i is None and v is not None for i, v in zip(items, value)) \
            else type(value)(items)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        kept = {k: _plain(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None or value[k] is None}
    return None


def publish_checkpoint(in_file, out_file):
    """Write the weights of a training checkpoint as a file to publish, named as OpenMMLab's
    ``publish_model.py`` names it: ``OUT-<first 8 hex digits of its sha256>.pth``.

    Only ``state_dict`` (``module.`` prefixes removed) and the plain entries of ``meta``
    (epoch, iteration, versions, the dataset's classes, the config text) are kept: no
    optimizer, parameter schedulers or message hub, so that the file loads with
    ``torch.load(weights_only=True)``. An ``ema_state_dict`` is dropped: mmengine's EMAHook
    saves the averaged weights as ``state_dict`` already. The file is written under a
    temporary name and renamed, so it is whole or absent.

    ``in_file`` is unpickled with ``weights_only=False`` when it is an mmengine checkpoint
    (its message hub needs it), as ``--resume`` does: publish only checkpoints you trust.

    Args:
        in_file (str): A checkpoint saved by mmengine's CheckpointHook (or any file holding a
            state dict).
        out_file (str): Output path; ``.pth`` is replaced by ``-<sha256[:8]>.pth``.

    Returns:
        str: The path of the published file.

    Raises:
        FileNotFoundError: ``in_file`` does not exist.
        ValueError: It holds no state dict.
    """
    if not osp.isfile(in_file):
        raise FileNotFoundError(f'Checkpoint file not found: {in_file!r}')
    try:
        checkpoint = torch.load(in_file, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError:  # mmengine's own: the message hub's HistoryBuffer
        checkpoint = torch.load(in_file, map_location='cpu', weights_only=False)
    state_dict = unwrap_state_dict(checkpoint)
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    published = dict(state_dict=state_dict, meta=_plain(meta) if isinstance(meta, dict) else {})
    stem = out_file[:-len('.pth')] if out_file.endswith('.pth') else out_file
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.publish-', suffix='.pth', dir=out_dir)
    os.close(fd)
    try:
        torch.save(published, tmp)
        torch.load(tmp, map_location='cpu', weights_only=True)  # what users will do
        sha = hashlib.sha256()
        with open(tmp, 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                sha.update(chunk)
        final = f'{stem}-{sha.hexdigest()[:8]}.pth'
        os.replace(tmp, final)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return final
