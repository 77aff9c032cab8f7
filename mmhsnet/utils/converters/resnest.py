"""Convert ResNeSt checkpoints to mmhsnet's (= mmdet's) key layout.

Layouts understood:

* ``official`` — zhanghang1989/ResNeSt (PyPI ``resnest``) and timm's ``resnest*``: the deep
  stem is ``conv1.{0,1,3,4,6}`` + ``bn1``, the classifier ``fc``.
* ``mmpose`` — mmpose's ``ResNeSt``: the stem is three ``ConvModule`` (``stem.{i}.conv``,
  ``stem.{i}.bn``), and a shortcut that does not stride has no pooling layer in front of its
  conv (``downsample.{0,1}`` instead of ``downsample.{1,2}``).
* ``mmdet`` / ``mmseg`` / ``mmhsnet`` — already ours.

Residual stages have the same keys in all of them, so the depth of a checkpoint is read from
its blocks per stage (:func:`infer_depth`).
"""
import re
from collections import OrderedDict

import torch

from ..checkpoint import backbone_state_dict, blocks_per_stage, check_state_dict, load_weights

_OFFICIAL_STEM = re.compile(r'^conv1\.(\d+)\.(.+)$')
_MMPOSE_STEM = re.compile(r'^stem\.(\d+)\.(conv|bn)\.(.+)$')
_DOWNSAMPLE = re.compile(r'^(layer\d+\.\d+\.downsample)\.(\d+)\.(.+)$')


def detect_layout(state_dict):
    """'official' (also timm), 'mmpose' or 'mmdet' (also mmseg and mmhsnet)."""
    if any(_OFFICIAL_STEM.match(k) for k in state_dict):
        return 'official'
    if any(_MMPOSE_STEM.match(k) for k in state_dict):
        return 'mmpose'
    if any(k.startswith('stem.') for k in state_dict):
        return 'mmdet'
    raise ValueError('Unknown ResNeSt checkpoint layout: no deep-stem keys (conv1.N.*, '
                     'stem.N.*) found; first keys: ' + ', '.join(list(state_dict)[:5]))


def convert_resnest(checkpoint):
    """Map a ResNeSt checkpoint to mmhsnet's keys.

    Args:
        checkpoint (dict): A state dict, or a checkpoint holding one under ``state_dict`` or
            ``model``, of a backbone or of a whole model (its ``backbone.`` part is taken; see
            :func:`mmhsnet.utils.backbone_state_dict`).

    Returns:
        tuple[OrderedDict, list[str], str]: The converted state dict, the keys that were not
        converted (the classifier ``fc.*``), and the detected layout.
    """
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get('model'), dict):
        checkpoint = checkpoint['model']  # e.g. checkpoints of the official training scripts
    state_dict = backbone_state_dict(checkpoint)
    layout = detect_layout(state_dict)
    converted, unconverted = OrderedDict(), []
    for key, value in state_dict.items():
        new_key = key
        if layout == 'official':
            if key.startswith('fc.'):
                unconverted.append(key)
                continue
            match = _OFFICIAL_STEM.match(key)
            if match:
                new_key = f'stem.{match.group(1)}.{match.group(2)}'
            elif key.startswith('bn1.'):
                new_key = 'stem.7.' + key[4:]
        elif layout == 'mmpose':
            match = _MMPOSE_STEM.match(key)
            down = _DOWNSAMPLE.match(key)
            if match:
                index, kind, rest = match.groups()
                new_key = f'stem.{3 * int(index) + (kind == "bn")}.{rest}'
            elif down and state_dict.get(f'{down.group(1)}.0.weight', torch.empty(0)).dim() == 4:
                new_key = f'{down.group(1)}.{int(down.group(2)) + 1}.{down.group(3)}'
        converted[new_key] = value
    return converted, unconverted, layout


def infer_depth(state_dict, arch_settings):
    """The depth whose blocks per stage (``layer{i}.{j}.*`` keys) a converted state dict has.

    Args:
        state_dict (dict): Weights in mmhsnet's layout (:func:`convert_resnest`).
        arch_settings (dict): Depth -> blocks per stage (``ResNeSt.arch_settings``).

    Raises:
        ValueError: No depth has these blocks per stage.
    """
    blocks = blocks_per_stage(state_dict)
    for depth, stage_blocks in arch_settings.items():
        if tuple(stage_blocks) == blocks:
            return depth
    known = ', '.join(f'{d}: {tuple(b)}' for d, b in arch_settings.items())
    raise ValueError(f'the checkpoint has {blocks} blocks per stage, which is no known depth '
                     f'({known})')


def load_resnest_checkpoint(filename, model):
    """Load a ResNeSt weight file of any known layout, safely, checked against ``model``.

    Args:
        filename (str): Weight file (loaded with ``weights_only=True``).
        model (nn.Module): The ``ResNeSt`` it is meant for.

    Returns:
        tuple[OrderedDict, list[str], str]: As :func:`convert_resnest`.
    """
    state_dict, unconverted, layout = convert_resnest(load_weights(filename))
    check_state_dict(state_dict, model)
    return state_dict, unconverted, layout
