"""One way for every tool to name a model, and counting its parameters and FLOPs.

``MODEL`` on a tool's command line is one of

* a config file (``*.py``): the config's model (or its backbone, for the tools that take a
  backbone), built in the config's ``default_scope``;
* ``scope.Type[:key=value,...]``: a registered module built with these arguments from that
  scope's registry, e.g. ``mmhsnet.HSResNet:depth=50`` or ``mmdet.ResNetV1d:depth=50`` (no
  scope: ``mmhsnet``); values are Python literals where they parse, else strings;
* ``timm:name``: ``timm.create_model(name, features_only=True)``.

``--deploy [KEY=VALUE,...]`` selects the fused inference form of the models that have one
(HS-ResNet's ``switch_to_deploy``), with the same ``key=value`` grammar.
"""
import ast
import difflib
import importlib
import os.path as osp

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from .errors import InputError

TOOLKITS = ('mmdet', 'mmseg', 'mmpose', 'mmpretrain')

MODEL_HELP = ('a config file (its {what}), scope.Type[:key=value,...] (e.g. '
              'mmhsnet.HSResNet:depth=50 or mmdet.ResNetV1d:depth=50) or timm:name')
DEPLOY_HELP = ('use the fused inference form of the models that have one (HS-ResNet), with '
               'these options (e.g. channel_multiple=8,split_x=True)')


def add_model_argument(parser, name='model', nargs=None, backbone=True):
    """Add the positional ``MODEL`` argument(s) every tool that takes a model has."""
    parser.add_argument(
        name, nargs=nargs, metavar='MODEL',
        help=MODEL_HELP.format(what='backbone' if backbone else 'model'))


def add_deploy_argument(parser, multiple=False):
    """Add ``--deploy [KEY=VALUE,...]``; with ``multiple``, each occurrence adds a form."""
    parser.add_argument(
        '--deploy', nargs='?', const='', action='append' if multiple else 'store',
        metavar='KEY=VALUE[,...]',
        help=DEPLOY_HELP + ('; give it several times to compare forms' if multiple else ''))


def parse_kwargs(text, what='argument'):
    """``'depth=50,style=pytorch'`` -> ``{'depth': 50, 'style': 'pytorch'}`` (Python literals
    where they parse, else strings)."""
    kwargs = {}
    for item in filter(None, text.split(',')):
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise InputError(f'{what} {item!r} is not KEY=VALUE (in {text!r})')
        try:
            kwargs[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            kwargs[key] = value
    return kwargs


def parse_spec(spec):
    """``'mmhsnet.HSResNet:depth=50'`` -> ``('mmhsnet.HSResNet', {'depth': 50})``;
    ``'timm:resnet50d'`` -> ``('timm', {'name': 'resnet50d'})``."""
    name, _, args = spec.partition(':')
    if name == 'timm':
        return 'timm', {'name': args}
    return name, parse_kwargs(args, what=f'model argument of {name}')


def build_registered(type_name, **kwargs):
    """Build ``type_name`` ('mmhsnet.HSResNet', 'mmdet.ResNetV1d', ...) from the registry of
    the scope it names (``mmhsnet`` when it names none)."""
    scope, _, name = type_name.rpartition('.')
    scope = scope or 'mmhsnet'
    if scope not in ('mmhsnet', ) + TOOLKITS:
        raise InputError(f'model {type_name!r}: the scope must be one of '
                         f"{', '.join(('mmhsnet', ) + TOOLKITS)}, or use timm:NAME")
    try:
        registry = importlib.import_module(f'{scope}.registry').MODELS
    except ImportError:
        raise InputError(f'model {type_name!r}: {scope} is not installed') from None
    registry.import_from_location()
    with DefaultScope.overwrite_default_scope(scope):
        if registry.get(name) is None:
            close = difflib.get_close_matches(name, sorted(registry.module_dict), n=3)
            hint = f" (did you mean {', '.join(f'{scope}.{c}' for c in close)}?)" if close else ''
            raise InputError(f'model {type_name!r} is not registered in {scope}{hint}')
        try:
            return registry.build(dict(type=name, **kwargs))
        except (TypeError, ValueError, KeyError, AssertionError) as e:
            raise InputError(f'model {type_name}: {e}') from None


def build_model(model, backbone=True, cfg_options=None):
    """Build ``MODEL`` as the module docstring describes.

    Args:
        model (str): A config file, ``scope.Type[:key=value,...]`` or ``timm:name``.
        backbone (bool): From a config, build its backbone rather than the whole model.
        cfg_options (dict, optional): Overrides of the config (``--cfg-options``).

    Returns:
        nn.Module: The model.
    """
    if model.endswith('.py'):
        if not osp.isfile(model):
            raise InputError(f'config file {model!r} does not exist')
        cfg = Config.fromfile(model)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        model_cfg = cfg.model.backbone if backbone else cfg.model
        with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmhsnet')):
            return MODELS.build(model_cfg)
    name, kwargs = parse_spec(model)
    if name == 'timm':
        import timm
        try:
            return timm.create_model(kwargs['name'], pretrained=False, features_only=True)
        except RuntimeError as e:
            raise InputError(f'model {model!r}: {e}') from None
    if name.endswith('LiteHRNet') and not name.startswith('mmhsnet') and 'arch' in kwargs:
        # mmpose's LiteHRNet takes the architecture dict only; accept our arch names too
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
