"""Helpers of the analysis and deployment tools (tools/analysis_tools/, tools/deployment/):
build any registered backbone (or a timm model) from a command-line spec, and count parameters
and FLOPs with mmengine.analysis."""
import ast
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


def parse_spec(spec):
    """'mmhsnet.HSResNet:depth=50,scales=8' -> ('mmhsnet.HSResNet', {'depth': 50, ...});
    'timm:resnet50d' -> ('timm', {'name': 'resnet50d'})."""
    name, _, args = spec.partition(':')
    if name == 'timm':
        return 'timm', {'name': args}
    return name, parse_kwargs(args)


def parse_kwargs(text):
    """'depth=50,style=pytorch' -> {'depth': 50, 'style': 'pytorch'} (Python literals where
    they parse, else strings)."""
    kwargs = {}
    for item in filter(None, text.split(',')):
        key, _, value = item.partition('=')
        try:
            kwargs[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            kwargs[key] = value
    return kwargs


def build_from_spec(spec):
    """Build a backbone from a spec of :func:`parse_spec` (timm models as feature extractors).
    mmpose's own ``LiteHRNet`` takes ``arch=18`` / ``arch=30`` too (as our configs' ``extra``)."""
    name, kwargs = parse_spec(spec)
    if name == 'timm':
        import timm
        return timm.create_model(kwargs['name'], pretrained=False, features_only=True)
    if name.endswith('LiteHRNet') and not name.startswith('mmhsnet') and 'arch' in kwargs:
        from mmhsnet.models.backbones.litehrnet import ARCH_SETTINGS
        kwargs = dict(extra=ARCH_SETTINGS[str(kwargs.pop('arch'))], **kwargs)
    return build_registered(name, **kwargs)


def model_complexity(model, shape):
    """``(params, flops)`` of ``model`` in eval mode on a ``(1, 3, H, W)`` input; one
    multiply-add is one FLOP, as mmengine counts."""
    model.eval()
    with torch.no_grad():
        info = get_model_complexity_info(
            model, inputs=(torch.rand(1, 3, *shape), ), show_table=False, show_arch=False)
    return info['params'], info['flops']
