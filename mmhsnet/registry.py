"""The ``mmhsnet`` registry scope.

Configs refer to our models as ``type='mmhsnet.HSResNet'`` etc. The registry is a child of
mmengine's root ``MODELS``, so those names resolve from the mmdet / mmseg / mmpose default
scopes, while the toolkits' own ``ResNeSt`` and ``LiteHRNet`` keep resolving to theirs.
Never set ``default_scope='mmhsnet'``: detectors, datasets and metrics live in the toolkits.
"""
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='mmhsnet', locations=['mmhsnet.models'])

__all__ = ['MODELS']
