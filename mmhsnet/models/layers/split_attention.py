"""Split attention of ResNeSt (`Split-Attention Networks <https://arxiv.org/abs/2004.08955>`_)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule

from ...utils.cnn import dcn_conv_cfg


class RSoftmax(nn.Module):
    """Softmax over the radix of each cardinal group (sigmoid when ``radix == 1``).

    Args:
        radix (int): Splits per cardinal group.
        groups (int): Cardinality.
    """

    def __init__(self, radix, groups):
        super().__init__()
        self.radix = radix
        self.groups = groups

    def forward(self, x):
        batch = x.size(0)
        if self.radix == 1:
            return torch.sigmoid(x)
        # radix-major, as the official code: (B, card, radix, C') -> (B, radix, card, C')
        x = x.view(batch, self.groups, self.radix, -1).transpose(1, 2)
        return F.softmax(x, dim=1).reshape(batch, -1)


class SplitAttentionConv2d(BaseModule):
    """A k×k conv producing ``radix`` splits, fused by attention computed from their sum.

    Module names (``conv``, ``bn0``, ``fc1``, ``bn1``, ``fc2``) are those of the official code,
    timm and mmdet, so their checkpoints load unchanged.

    Args:
        in_channels (int): Input channels.
        channels (int): Output channels.
        kernel_size (int): Kernel size of the split conv.
        stride (int): Stride. Default: 1.
        padding (int): Padding. Default: 0.
        dilation (int): Dilation. Default: 1.
        groups (int): Cardinality. Default: 1.
        radix (int): Splits per cardinal group. Default: 2.
        reduction_factor (int): The attention MLP has
            ``max(in_channels * radix // reduction_factor, 32)`` hidden channels. Default: 4.
        conv_cfg (dict, optional): Config of the split conv. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        dcn (dict, optional): Deformable conv config for the split conv, with mmdet's
            semantics (:func:`mmhsnet.utils.dcn_conv_cfg`). Default: None.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self,
                 in_channels,
                 channels,
                 kernel_size,
                 stride=1,
                 padding=0,
                 dilation=1,
                 groups=1,
                 radix=2,
                 reduction_factor=4,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 dcn=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        inter_channels = max(in_channels * radix // reduction_factor, 32)
        self.radix = radix
        self.groups = groups
        self.channels = channels
        self.conv = build_conv_layer(
            dcn_conv_cfg(dcn, conv_cfg),
            in_channels,
            channels * radix,
            kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups * radix,
            bias=False)
        self.norm0_name, norm0 = build_norm_layer(norm_cfg, channels * radix, postfix=0)
        self.add_module(self.norm0_name, norm0)
        self.relu = nn.ReLU(inplace=True)
        self.fc1 = nn.Conv2d(channels, inter_channels, 1, groups=groups)
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, inter_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.fc2 = nn.Conv2d(inter_channels, channels * radix, 1, groups=groups)
        self.rsoftmax = RSoftmax(radix, groups)

    @property
    def norm0(self):
        return getattr(self, self.norm0_name)

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    def forward(self, x):
        x = self.relu(self.norm0(self.conv(x)))
        batch = x.size(0)
        if self.radix > 1:
            splits = x.view(batch, self.radix, -1, *x.shape[2:])
            gap = splits.sum(dim=1)
        else:
            gap = x
        # mean over H, W (static in ONNX, unlike pooling to a computed size)
        gap = gap.mean(dim=(2, 3), keepdim=True)
        gap = self.relu(self.norm1(self.fc1(gap)))
        atten = self.rsoftmax(self.fc2(gap)).view(batch, -1, 1, 1)
        if self.radix > 1:
            atten = atten.view(batch, self.radix, -1, 1, 1)
            return (atten * splits).sum(dim=1)
        return atten * x
