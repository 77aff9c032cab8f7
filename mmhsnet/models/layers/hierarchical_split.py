"""The Hierarchical-Split block of HS-ResNet (arXiv 2010.07621), as defined in DESIGN § 3.1."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm


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

    :meth:`switch_to_deploy` replaces this reference path by a fused inference path with the
    same outputs (to float rounding).

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
        self.deploy = False

    def switch_to_deploy(self, channel_multiple=1):
        """Switch to the fused inference path (as mmpretrain's RepVGG does); it cannot train.

        Each norm is folded into its conv. By linearity, group ``i``'s conv of
        ``concat(x_i, carry_{i-1})`` is the sum of a conv of ``x_i`` and a conv of the carry, so
        the ``x_i`` parts of all groups run as one grouped conv up front and only the small
        carry convs stay sequential: ``y_i = ReLU(xconv_i(x_i) + cconv_i(carry_{i-1}))``. Every
        group's output is laid out carry first, so that a carry is a leading slice, and padded
        with zero channels to ``C = max(c_i)`` rounded up to ``channel_multiple``.

        Args:
            channel_multiple (int): Round the fused convs' channels up to a multiple of this
                (zero weights; e.g. 8 for fp16 tensor cores). Default: 1.
        """
        if self.deploy:
            return
        if not isinstance(channel_multiple, int) or channel_multiple < 1:
            raise ValueError(f'channel_multiple must be an int >= 1, got {channel_multiple!r}')
        for module in self.convs:
            if type(module.conv) is not nn.Conv2d or not isinstance(module.norm, _BatchNorm) \
                    or not module.norm.track_running_stats:
                raise ValueError(
                    'switch_to_deploy folds the norm into the conv: it needs conv_cfg=None (a '
                    'plain Conv2d) and a BatchNorm with running statistics (norm_cfg BN / SyncBN), '
                    f'got {type(module.conv).__name__} + {type(module.norm).__name__}')
        width, channels = self.width, self.channels

        def round_up(c):
            return -(-c // channel_multiple) * channel_multiple

        out_channels = round_up(max(channels))
        conv0 = self.convs[0].conv
        x_weight = conv0.weight.new_zeros(len(channels) * out_channels, width, 3, 3)
        x_bias = conv0.weight.new_zeros(len(channels) * out_channels)
        carry_weights, self.carry_channels = [], []
        for i, (module, c) in enumerate(zip(self.convs, channels)):
            bn = module.norm
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            weight = module.conv.weight * scale[:, None, None, None]
            bias = bn.bias - bn.running_mean * scale
            if i < len(channels) - 1:  # carry first: y = (carry, kept)
                keep = c - c // 2
                order = torch.cat((torch.arange(keep, c), torch.arange(keep)))
                weight, bias = weight[order], bias[order]
            rows = slice(i * out_channels, i * out_channels + c)
            x_weight[rows], x_bias[rows] = weight[:, :width], bias
            if i > 0:
                carry = channels[i - 1] // 2
                carry_weight = weight.new_zeros(out_channels, round_up(carry), 3, 3)
                carry_weight[:c, :carry] = weight[:, width:]
                carry_weights.append(carry_weight)
                self.carry_channels.append(round_up(carry))
        self.register_buffer('x_weight', x_weight.detach())
        self.register_buffer('x_bias', x_bias.detach())
        for i, weight in enumerate(carry_weights):
            self.register_buffer(f'carry_weight{i}', weight.detach())
        self.fused_channels = out_channels
        self.dilation = conv0.dilation
        del self.convs
        self.deploy = True

    def forward(self, x):
        if self.deploy:
            return self._forward_deploy(x)
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

    def _forward_deploy(self, x):
        if self.training:
            raise RuntimeError(
                'HierarchicalSplit was switched to its fused inference path (switch_to_deploy), '
                'which cannot train: call .eval() first')
        width, channels, num = self.width, self.channels, len(self.channels)
        conv = dict(padding=self.dilation, dilation=self.dilation)
        xconvs = F.conv2d(x[:, width:], self.x_weight, self.x_bias, groups=num, **conv)
        xconvs = torch.split(xconvs, self.fused_channels, dim=1)
        outs = [x[:, :width]]
        y = F.relu(xconvs[0])
        for i in range(1, num):
            carry = channels[i - 1] // 2
            outs.append(y[:, carry:channels[i - 1]])
            carry_weight = getattr(self, f'carry_weight{i - 1}')
            y = F.relu(xconvs[i] + F.conv2d(y[:, :self.carry_channels[i - 1]], carry_weight,
                                            **conv))
        outs.append(y[:, :channels[-1]])
        return torch.cat(outs, dim=1)
