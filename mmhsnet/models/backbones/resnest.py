"""ResNeSt: `Split-Attention Networks <https://arxiv.org/abs/2004.08955>`_.

Semantics of the official code (zhanghang1989/ResNeSt): radix 2, cardinality 1, bottleneck
width 64, deep stem, average-pool shortcut and ``avd`` (a 3×3 average pool after the split
attention does the striding). State-dict keys are mmdet's ``ResNeSt``; see
:mod:`mmhsnet.utils.converters.resnest` for the official, timm and mmpose layouts.
"""
import math

import torch.nn as nn

from ...registry import MODELS
from ..layers import SplitAttentionConv2d
from .resnet_d import BottleneckBase, ResNetD


class ResNeStBottleneck(BottleneckBase):
    """1×1 conv → split-attention 3×3 conv → (3×3 average pool if the block strides) → 1×1 conv.

    Args:
        inplanes (int): Input channels.
        planes (int): Base channels; the output has ``planes * 4``.
        groups (int): Cardinality. Default: 1.
        base_width (int): Width per group when ``groups > 1``
            (``floor(planes * base_width / base_channels) * groups``). Default: 4.
        base_channels (int): See ``base_width``. Default: 64.
        radix (int): Splits per cardinal group. Default: 2.
        reduction_factor (int): Reduction of the attention MLP. Default: 4.
        avg_down_stride (bool): Stride with an average pool after conv2 (``avd``). Default: True.
        **kwargs: See :class:`BottleneckBase`.
    """

    def __init__(self,
                 inplanes,
                 planes,
                 groups=1,
                 base_width=4,
                 base_channels=64,
                 radix=2,
                 reduction_factor=4,
                 avg_down_stride=True,
                 **kwargs):
        width = planes if groups == 1 else math.floor(planes * base_width / base_channels) * groups
        super().__init__(inplanes, planes, mid_channels=width, **kwargs)
        self.avg_down_stride = avg_down_stride and self.conv2_stride > 1
        self.conv2 = SplitAttentionConv2d(
            width,
            width,
            kernel_size=3,
            stride=1 if self.avg_down_stride else self.conv2_stride,
            padding=self.dilation,
            dilation=self.dilation,
            groups=groups,
            radix=radix,
            reduction_factor=reduction_factor,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            dcn=self.dcn)
        if self.avg_down_stride:
            self.avd_layer = nn.AvgPool2d(3, self.conv2_stride, padding=1)

    def forward_conv2(self, x):
        x = self.conv2(x)
        return self.avd_layer(x) if self.avg_down_stride else x


@MODELS.register_module()
class ResNeSt(ResNetD):
    """ResNeSt backbone, one implementation for mmdet, mmseg and mmpose configs.

    ==========  ==================  =============  ===============================
    depth       blocks per stage    stem_channels  params (official, with 1000-fc)
    ==========  ==================  =============  ===============================
    50          (3, 4, 6, 3)        64             27.5 M
    101         (3, 4, 23, 3)       128            48.3 M
    152         (3, 8, 36, 3)       128            (mmdet only)
    200         (3, 24, 36, 3)      128            70.2 M
    269         (3, 30, 48, 8)      128            110.9 M
    ==========  ==================  =============  ===============================

    Args:
        depth (int): 50, 101, 152, 200 or 269.
        groups (int): Cardinality, >= 1. Default: 1.
        base_width (int): Width per group when ``groups > 1``. Default: 4.
        radix (int): Splits per cardinal group, >= 1. Default: 2.
        reduction_factor (int): Reduction of the attention MLP, >= 1. Default: 4.
        avg_down_stride (bool): Stride with an average pool after the split attention (the
            official ``avd``). Default: True.
        stem_channels (int, optional): Stem width; None takes the official one (table above).
        **kwargs: Every argument of :class:`ResNetD` (mmdet's ``ResNet`` arguments).
    """
    block = ResNeStBottleneck
    arch_settings = {
        50: (3, 4, 6, 3),
        101: (3, 4, 23, 3),
        152: (3, 8, 36, 3),
        200: (3, 24, 36, 3),
        269: (3, 30, 48, 8),
    }

    def __init__(self,
                 depth,
                 groups=1,
                 base_width=4,
                 radix=2,
                 reduction_factor=4,
                 avg_down_stride=True,
                 stem_channels=None,
                 **kwargs):
        for name, value in (('groups', groups), ('base_width', base_width), ('radix', radix),
                            ('reduction_factor', reduction_factor)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be an int >= 1, got {value!r}')
        if stem_channels is None and depth in self.arch_settings:
            stem_channels = 64 if depth == 50 else 128
        self.groups = groups
        self.base_width = base_width
        self.radix = radix
        self.reduction_factor = reduction_factor
        self.avg_down_stride = avg_down_stride
        super().__init__(depth, stem_channels=stem_channels, **kwargs)

    def make_res_layer(self, **kwargs):
        return super().make_res_layer(
            groups=self.groups,
            base_width=self.base_width,
            base_channels=self.base_channels,
            radix=self.radix,
            reduction_factor=self.reduction_factor,
            avg_down_stride=self.avg_down_stride,
            **kwargs)
