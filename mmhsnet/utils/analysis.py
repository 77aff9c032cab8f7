"""Helpers of the analysis tools (tools/analysis_tools/): build any registered backbone by its
scoped type name, and count parameters and FLOPs with mmengine.analysis."""
import importlib

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.registry import MODELS, DefaultScope

TOOLKITS = ('mmdet', 'mmseg', 'mmpose')


def build_registered(type_name, **kwargs):
    """Build ``type_name`` ('mmhsnet.HSResNet', 'mmdet.ResNetV1d', ...) from the registry of
    the scope it names (``mmhsnet`` when it names none)."""
    scope = type_name.split('.')[0] if '.' in type_name else 'mmhsnet'
    if scope == 'mmhsnet':
        importlib.import_module('mmhsnet.models')
    elif scope in TOOLKITS:
        importlib.import_module(f'{scope}.models')
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(dict(type=type_name, **kwargs))


def model_complexity(model, shape):
    """``(params, flops)`` of ``model`` in eval mode on a ``(1, 3, H, W)`` input; one
    multiply-add is one FLOP, as mmengine counts."""
    model.eval()
    with torch.no_grad():
        info = get_model_complexity_info(
            model, inputs=(torch.rand(1, 3, *shape), ), show_table=False, show_arch=False)
    return info['params'], info['flops']
