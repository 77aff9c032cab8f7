"""The ``mmhsnet`` registry scope.

Configs refer to our models as ``type='mmhsnet.HSResNet'`` etc. (and to our hooks as
``type='mmhsnet.RandomStateHook'``). The registries are children of mmengine's root ``MODELS``
and ``HOOKS``, so those names resolve from the mmdet / mmseg / mmpose default scopes, while the
toolkits' own ``ResNeSt`` and ``LiteHRNet`` keep resolving to theirs.
Never set ``default_scope='mmhsnet'``: detectors, datasets and metrics live in the toolkits.
"""
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='mmhsnet', locations=['mmhsnet.models'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mmhsnet', locations=['mmhsnet.engine'])

__all__ = ['MODELS', 'HOOKS']
