"""The Hierarchical-Split block of HS-ResNet (arXiv 2010.07621), in mmhsnet's definition
(docs/hsresnet.md)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm


def _check_fuse_args(channel_multiple, split_x):
    if not isinstance(channel_multiple, int) or channel_multiple < 1:
        raise ValueError(f'channel_multiple must be an int >= 1, got {channel_multiple!r}')
    if not isinstance(split_x, bool):
        raise ValueError(f'split_x must be True or False, got {split_x!r}')


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

    Like mmpretrain's RepVGG blocks, the module has a fused inference form (``deploy=True``, or
    :meth:`switch_to_deploy` after training) with the same outputs to float rounding: each norm
    folded into its conv, each group's output laid out carry first (a carry is then a leading
    slice). Group ``i`` then either convolves ``concat(x_i, carry_{i-1})`` as the reference does
    (``split_x=False``), or, since a conv of a concatenation is the sum of the convs of its
    parts, the ``x_i`` parts of all groups run as one grouped conv up front and only the small
    carry convs stay sequential (``split_x=True``):
    ``y_i = ReLU(xconv_i(x_i) + cconv_i(carry_{i-1}))``. With ``channel_multiple > 1`` every
    fused conv's input and output channels are zero-padded to a multiple of it (a carry is
    widened into the padding of the previous output, with zero weights); ``split_x`` pads every
    group's output to the widest group's, as the grouped conv needs. The fused form cannot
    train; its weights are buffers and load only into a module with the same
    ``channel_multiple`` and ``split_x``.

    Args:
        width (int): Channels per group ``w``. At least 2, so that a group can carry channels.
        scales (int): Number of groups ``s``. At least 2.
        dilation (int): Dilation (and padding) of the 3×3 convs. Default: 1.
        conv_cfg (dict, optional): Config of the 3×3 convs, e.g. a DCN config. Default: None.
        norm_cfg (dict): Config of the norm layers. Default: ``dict(type='BN')``.
        deploy (bool): Build the fused inference form. Default: False.
        channel_multiple (int): Fused form: round its convs' channels up to a multiple of this
            (e.g. 8 for fp16 tensor cores). Default: 1.
        split_x (bool): Fused form: compute the ``x_i`` parts in one grouped conv up front.
            Default: False.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self,
                 width,
                 scales,
                 dilation=1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 deploy=False,
                 channel_multiple=1,
                 split_x=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if not isinstance(scales, int) or scales < 2:
            raise ValueError(f'scales must be an int >= 2, got {scales!r}')
        if not isinstance(width, int) or width < 2:
            raise ValueError(
                f'width (channels per split) must be an int >= 2 so that a group can carry '
                f'channels to the next, got {width!r}')
        _check_fuse_args(channel_multiple, split_x)
        if not isinstance(deploy, bool):
            raise ValueError(f'deploy must be True or False, got {deploy!r}')
        self.width = width
        self.scales = scales
        self.dilation = dilation
        self.channels = hierarchical_split_channels(width, scales)
        self.channel_multiple = channel_multiple
        self.split_x = split_x
        self.deploy = deploy
        if deploy:
            if conv_cfg is not None and conv_cfg.get('type') not in ('Conv', 'Conv2d'):
                raise ValueError('the fused form (deploy=True) has plain convs only, got '
                                 f'conv_cfg={conv_cfg!r}')
            rows, cols = self._fused_shapes()
            self._set_fused([torch.zeros(r, c, 3, 3) for r, c in zip(rows, cols)],
                            [torch.zeros(r) for r in rows])
            return
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

    @property
    def fuse_cfg(self):
        """The options of the fused form: ``dict(channel_multiple=..., split_x=...)``."""
        return dict(channel_multiple=self.channel_multiple, split_x=self.split_x)

    def extra_repr(self):
        fused = ''.join(f', {k}={v}' for k, v in self.fuse_cfg.items()) if self.deploy else ''
        return f'width={self.width}, scales={self.scales}, deploy={self.deploy}{fused}'

    def _fused_shapes(self):
        """Output rows and input channels of each group's fused conv."""
        multiple, width, channels = self.channel_multiple, self.width, self.channels

        def round_up(c):
            return -(-c // multiple) * multiple

        rows = [round_up(max(channels)) if self.split_x else round_up(c) for c in channels]
        # input channels: x_i, then the carry widened into the padding (zero weights); with
        # split_x the carry conv alone has a multiple of channel_multiple, otherwise
        # concat(x_i, carry) has one where the previous output's padding allows
        cols = [width] + [
            width + (round_up(c - width) if self.split_x else min(round_up(c) - width, row))
            for c, row in zip(channels[1:], rows)
        ]
        return rows, cols

    def _set_fused(self, weights, biases, memory_format=torch.contiguous_format):
        """Register each group's fused conv (weights ``(rows, cols, 3, 3)``, stored in
        ``memory_format``) as buffers."""
        width = self.width
        if self.split_x:
            buffers = dict(x_weight=torch.cat([w[:, :width] for w in weights]),
                           x_bias=torch.cat(biases))
            buffers.update({f'weight{i}': w[:, width:] for i, w in enumerate(weights) if i})
        else:
            buffers = {f'weight{i}': w for i, w in enumerate(weights)}
            buffers.update({f'bias{i}': b for i, b in enumerate(biases)})
        for name, tensor in buffers.items():
            self.register_buffer(
                name, tensor.clone(memory_format=memory_format if tensor.dim() == 4 else
                                   torch.preserve_format))

    def check_deploy(self, channel_multiple=None, split_x=None):
        """Raise ValueError if :meth:`switch_to_deploy` cannot switch with these arguments
        (a backbone checks every split before it switches any)."""
        channel_multiple = self.channel_multiple if channel_multiple is None else channel_multiple
        split_x = self.split_x if split_x is None else split_x
        _check_fuse_args(channel_multiple, split_x)
        if self.deploy:
            if self.fuse_cfg != dict(channel_multiple=channel_multiple, split_x=split_x):
                raise ValueError(f'already switched to the fused form with {self.fuse_cfg}')
            return
        for module in self.convs:
            if type(module.conv) is not nn.Conv2d or not isinstance(module.norm, _BatchNorm) \
                    or not module.norm.track_running_stats:
                raise ValueError(
                    'switch_to_deploy folds the norm into the conv: it needs conv_cfg=None (a '
                    'plain Conv2d) and a BatchNorm with running statistics (norm_cfg BN / SyncBN), '
                    f'got {type(module.conv).__name__} + {type(module.norm).__name__}')

    @torch.no_grad()
    def switch_to_deploy(self, channel_multiple=None, split_x=None):
        """Switch a trained module to its fused inference form (see the class), in place.

        Args:
            channel_multiple (int, optional): Overrides the module's ``channel_multiple``.
            split_x (bool, optional): Overrides the module's ``split_x``.
        """
        self.check_deploy(channel_multiple, split_x)
        if self.deploy:
            return
        if channel_multiple is not None:
            self.channel_multiple = channel_multiple
        if split_x is not None:
            self.split_x = split_x
        channels = self.channels
        source = self.convs[0].conv.weight
        memory_format = (torch.channels_last if source.is_contiguous(
            memory_format=torch.channels_last) and not source.is_contiguous() else
                         torch.contiguous_format)
        # fold in float32 (or float64), then store in the conv's dtype
        dtype = torch.promote_types(source.dtype, torch.float32)
        rows, cols = self._fused_shapes()
        weights, biases = [], []
        for i, (module, c) in enumerate(zip(self.convs, channels)):
            norm = module.norm
            scale = (norm.running_var.to(dtype) + norm.eps).rsqrt()
            bias = -norm.running_mean.to(dtype) * scale
            if norm.affine:
                scale, bias = scale * norm.weight.to(dtype), bias * norm.weight.to(dtype) + \
                    norm.bias.to(dtype)
            weight = module.conv.weight.to(dtype) * scale[:, None, None, None]
            if i < len(channels) - 1:  # carry first: y = (carry, kept)
                keep = c - c // 2
                order = torch.cat((torch.arange(keep, c), torch.arange(keep)))
                weight, bias = weight[order], bias[order]
            weights.append(weight.new_zeros(rows[i], cols[i], 3, 3))
            weights[-1][:c, :c] = weight
            biases.append(bias.new_zeros(rows[i]))
            biases[-1][:c] = bias
        self._set_fused([w.to(source.dtype) for w in weights],
                        [b.to(source.dtype) for b in biases], memory_format)
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
                'HierarchicalSplit is in its fused inference form (deploy=True or '
                'switch_to_deploy), which cannot train: call .eval() first')
        width, channels = self.width, self.channels
        conv = dict(padding=self.dilation, dilation=self.dilation)
        split_x = self.split_x
        if split_x:
            # every group's output has the same width (the widest, padded)
            xconvs = F.conv2d(x[:, width:], self.x_weight, self.x_bias, groups=len(channels),
                              **conv).chunk(len(channels), dim=1)
        outs, y = [x[:, :width]], None
        for i, c in enumerate(channels):
            weight = getattr(self, f'weight{i}', None)
            if split_x:
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
