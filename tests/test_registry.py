
import pytest
import torch.nn as nn
from conftest import require
from mmengine.registry import DefaultScope

from mmhsnet.models import HSResNet
from mmhsnet.registry import MODELS


@MODELS.register_module(force=True)
class TinyTestModule(nn.Module):
    """A module that exists only in the ``mmhsnet`` scope."""

    def __init__(self, channels=2):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)


TOOLKITS = {
    'mmdet': ('mmdet.registry', {'ResNeSt': 'mmdet.models.backbones.resnest'}),
    'mmseg': ('mmseg.registry', {'ResNeSt': 'mmseg.models.backbones.resnest'}),
    'mmpose': ('mmpose.registry', {
        'ResNeSt': 'mmpose.models.backbones.resnest',
        'LiteHRNet': 'mmpose.models.backbones.litehrnet'
    }),
}


def test_scope():
    assert MODELS.scope == 'mmhsnet'
    assert MODELS.parent.scope == 'mmengine'
    assert MODELS.get('HSResNet') is HSResNet


@pytest.mark.parametrize('scope', sorted(TOOLKITS))
def test_prefixed_types_resolve_from_each_toolkit_scope(scope):
    registry_module, own_types = TOOLKITS[scope]
    toolkit_models = require(registry_module).MODELS
    with DefaultScope.overwrite_default_scope(scope):
        tiny = toolkit_models.build(dict(type='mmhsnet.TinyTestModule', channels=3))
        assert isinstance(tiny, TinyTestModule) and tiny.conv.in_channels == 3
        backbone = toolkit_models.build(
            dict(type='mmhsnet.HSResNet', depth=50, num_stages=1, strides=(1, ),
                 dilations=(1, ), out_indices=(0, )))
        assert isinstance(backbone, HSResNet)
        # the toolkit's own classes still resolve to the toolkit's
        for name, module in own_types.items():
            cls = toolkit_models.get(name)
            assert cls is not None and cls.__module__ == module, (name, cls)
        # an unprefixed name of ours is not registered in the toolkit
        assert toolkit_models.get('TinyTestModule') is None

