"""What every mmhsnet backbone does the same way: ``init_cfg`` / deprecated ``pretrained``,
clear errors for a missing pretrained file or one that does not fit, and ``train()`` that
re-applies ``frozen_stages`` and ``norm_eval`` and returns the module."""
import warnings

from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from ...utils.checkpoint import check_pretrained_exists, check_pretrained_fits


class BaseBackbone(BaseModule):
    """Base of mmhsnet's backbones.

    Subclasses set ``self.norm_eval`` and implement ``_freeze_stages``.

    Args:
        init_cfg (dict | list[dict], optional): Initialization config.
        pretrained (str, optional): Deprecated path of pretrained weights (mmseg's segmentors
            still pass it); becomes ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
        default_init_cfg (dict | list[dict], optional): Used when neither is given.
    """

    def __init__(self, init_cfg=None, pretrained=None, default_init_cfg=None):
        if init_cfg is not None and pretrained is not None:
            raise ValueError('init_cfg and pretrained cannot be specified at the same time; '
                             'use init_cfg=dict(type="Pretrained", checkpoint=...)')
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f'pretrained must be a str or None, got {type(pretrained).__name__}')
        if pretrained is not None:
            warnings.warn(f'{type(self).__name__}: pretrained is deprecated, use init_cfg instead')
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        super().__init__(init_cfg if init_cfg is not None else default_init_cfg)

    def _freeze_stages(self):
        raise NotImplementedError

    def init_weights(self):
        check_pretrained_exists(self.init_cfg, type(self).__name__)
        check_pretrained_fits(self.init_cfg, self)
        super().init_weights()

    def train(self, mode=True):
        """Set training mode, then re-apply ``frozen_stages`` and ``norm_eval``; return self."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
