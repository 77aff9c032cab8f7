"""The Hierarchical-Split block of HS-ResNet (arXiv 2010.07621), as defined in DESIGN § 3.1."""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule


def hierarchical_split_channels(width, scales):
    """Channels ``c_i`` of the convolutions of groups ``2 … s``.

    ``c_2 = w`` and ``c_i = w + floor(c_{i-1} / 2)``: each group concatenates its own ``w``
    input channels with the half of the previous group's output that was carried over.
    """
    channels, c = [], 0
    for _ in range(scales - 1):
        c = width + c // 2
        channels.append(c)
    return channels


class HierarchicalSplit(BaseModule):
    """Hierarchical split and concatenation over ``scales`` groups of ``width`` channels.

    The input (``scales * width`` channels) is split into groups ``x_1 … x_s``. ``x_1`` is passed
    through. Group ``i >= 2`` concatenates ``x_i`` with the carry of group ``i - 1`` and applies
    a channel-preserving 3×3 conv + norm + ReLU; the first half (rounded up) of the result goes
    to the output, the second half is carried to group ``i + 1``; the last group outputs all of
    it. The output, ``concat(x_1, out_2, …, out_s)``, again has ``scales * width`` channels, and
    output group ``i`` depends only on input groups ``1 … i``.

    Args:
        width (int): Channels per group ``w``. At least 2, so that a group can carry channels.
        scales (int): Number of groups ``s``. At least 2.
        dilation (int): Dilation (and padding) of the 3×3 convs. Default: 1.
        conv_cfg (dict, optional): Config of the 3×3 convs, e.g. a DCN config. Default: None.
        norm_cfg (dict): Config of the norm layers. Default: ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self,
                 width,
                 scales,
                 dilation=1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 init_cfg=None):
        super().__init__(init_cfg)
        if not isinstance(scales, int) or scales < 2:
            raise ValueError(f'scales must be an int >= 2, got {scales!r}')
        if not isinstance(width, int) or width < 2:
            raise ValueError(
                f'width (channels per split) must be an int >= 2 so that a group can carry '
                f'channels to the next, got {width!r}')
        self.width = width
        self.scales = scales
        self.channels = hierarchical_split_channels(width, scales)
        self.convs = nn.ModuleList(
            ConvModule(
                c,
                c,
                3,
                padding=dilation,
                dilation=dilation,
                bias=False,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=dict(type='ReLU')) for c in self.channels)

    def forward(self, x):
        groups = torch.split(x, self.width, dim=1)
        outs = [groups[0]]
        carry = None
        for group, conv in zip(groups[1:], self.convs):
            y = conv(group if carry is None else torch.cat((group, carry), dim=1))
            keep = y.size(1) - y.size(1) // 2
            outs.append(y[:, :keep])
            carry = y[:, keep:]
        # the last group outputs all of its channels
        outs[-1] = y
        return torch.cat(outs, dim=1)
