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

    def switch_to_deploy(self, channel_multiple=1, split_x=False):
        """Switch to a fused inference path (as mmpretrain's RepVGG does); it cannot train.

        Each norm is folded into its conv, and each group's output is laid out carry first (a
        carry is then a leading slice) and zero-padded to ``C = max(c_i)`` channels rounded up
        to ``channel_multiple``. Group ``i`` then either convolves ``concat(x_i, carry_{i-1})``
        as the reference does (``split_x=False``; the carry slice is widened into the padding, with
        zero weights, to a multiple of ``channel_multiple``), or (``split_x=True``), since a conv
        of a concatenation is the sum of the convs of its parts, the ``x_i`` parts of all groups
        run as one grouped conv up front and only the small carry convs stay sequential:
        ``y_i = ReLU(xconv_i(x_i) + cconv_i(carry_{i-1}))``.

        Args:
            channel_multiple (int): Round the fused convs' channels up to a multiple of this
                (zero weights; e.g. 8 for fp16 tensor cores). Default: 1.
            split_x (bool): Compute the ``x_i`` parts in one grouped conv up front.
                Default: False.
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

        def round_up(c):
            return -(-c // channel_multiple) * channel_multiple

        width, channels = self.width, self.channels
        out_channels = round_up(max(channels))
        weights, biases = [], []
        for i, (module, c) in enumerate(zip(self.convs, channels)):
            norm = module.norm
            scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
            weight = module.conv.weight * scale[:, None, None, None]
            bias = norm.bias - norm.running_mean * scale
            if i < len(channels) - 1:  # carry first: y = (carry, kept)
                keep = c - c // 2
                order = torch.cat((torch.arange(keep, c), torch.arange(keep)))
                weight, bias = weight[order], bias[order]
            # input channels: x_i, then the carry widened into the padding (zero weights)
            if i == 0:
                in_channels = width
            elif split_x:  # the carry conv alone has a multiple of channel_multiple
                in_channels = width + round_up(c - width)
            else:  # concat(x_i, carry) has a multiple of channel_multiple
                in_channels = round_up(c)
            weights.append(weight.new_zeros(out_channels, in_channels, 3, 3))
            weights[-1][:c, :c] = weight
            biases.append(bias.new_zeros(out_channels))
            biases[-1][:c] = bias
        if split_x:
            self.register_buffer('x_weight', torch.cat([w[:, :width] for w in weights]).detach())
            self.register_buffer('x_bias', torch.cat(biases).detach())
            for i, weight in enumerate(weights[1:], 1):
                self.register_buffer(f'weight{i}', weight[:, width:].detach())
        else:
            for i, (weight, bias) in enumerate(zip(weights, biases)):
                self.register_buffer(f'weight{i}', weight.detach())
                self.register_buffer(f'bias{i}', bias.detach())
        self.split_x = split_x
        self.fused_channels = out_channels
        self.dilation = self.convs[0].conv.dilation
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
        width, channels = self.width, self.channels
        conv = dict(padding=self.dilation, dilation=self.dilation)
        if self.split_x:
            xconvs = F.conv2d(x[:, width:], self.x_weight, self.x_bias, groups=len(channels),
                              **conv).split(self.fused_channels, dim=1)
        outs, y = [x[:, :width]], None
        for i, c in enumerate(channels):
            weight = getattr(self, f'weight{i}', None)
            if self.split_x:
                y = xconvs[i] if y is None else xconvs[i] + F.conv2d(
                    y[:, :weight.size(1)], weight, **conv)
            else:
                u = x[:, (i + 1) * width:(i + 2) * width]
                if y is not None:
                    u = torch.cat((u, y[:, :weight.size(1) - width]), dim=1)
                y = F.conv2d(u, weight, getattr(self, f'bias{i}'), **conv)
            y = F.relu(y)
            # carry first: the kept channels follow the carry; the last group keeps all
            outs.append(y[:, c // 2:c] if i < len(channels) - 1 else y[:, :c])
        return torch.cat(outs, dim=1)
