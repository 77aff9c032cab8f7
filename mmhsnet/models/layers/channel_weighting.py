"""Conditional channel weighting, the idea of `Lite-HRNet <https://arxiv.org/abs/2104.06403>`_.

A shuffle block spends most of its work in two 1×1 convs. Lite-HRNet replaces them with two
cheap, input-conditioned weightings of the channels: :class:`CrossResolutionWeighting` (one set
of weights computed from all branches pooled to the smallest resolution) and
:class:`SpatialWeighting` (squeeze-and-excitation within a branch).
:class:`ConditionalChannelWeighting` is the resulting block.

Module names are those of mmpose's and the official code, so their checkpoints load unchanged.
Every path is traceable: pooling kernels are Python ints, never sizes read from a tensor.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from ...utils.cnn import checkpoint_forward, conv_module


def cat_shuffle(a, b):
    """``channel_shuffle(torch.cat((a, b), 1), 2)`` for equally wide ``a`` and ``b``, in one copy.

    The shuffled channel ``2c + g`` is channel ``c`` of input ``g``: stacking the inputs on a new
    dim after the channels writes exactly that order (in channels-last memory, the new dim is
    the innermost one).
    """
    if a.stride(1) == 1 and a.shape[1] > 1:  # channels last
        out = torch.stack((a.permute(0, 2, 3, 1), b.permute(0, 2, 3, 1)), dim=4)
        return out.flatten(3).permute(0, 3, 1, 2)
    return torch.stack((a, b), dim=2).flatten(1, 2)


def channel_shuffle(x, groups):
    """ShuffleNet's channel shuffle: ``(g, c/g)`` channel order becomes ``(c/g, g)``."""
    return x.unflatten(1, (groups, -1)).transpose(1, 2).flatten(1, 2)


def _divides(x, size, factor):
    """Whether ``x`` is exactly ``factor`` times ``size`` in H and W.

    When tracing, the traced sizes are assumed to be multiples (an input size that is a multiple of
    32); an input that is not makes ``torch.cat`` fail at trace time rather than export a wrong
    graph.
    """
    if torch.jit.is_tracing():
        return True
    return tuple(x.shape[-2:]) == (size[0] * factor, size[1] * factor)


def pool_to(x, size, factor):
    """``F.adaptive_avg_pool2d(x, size)``, as a static ``factor``×``factor`` average pool when
    ``x`` is exactly ``factor`` times larger (exportable: no size read at run time)."""
    if factor == 1:
        return x
    if _divides(x, size, factor):
        return F.avg_pool2d(x, factor, factor)
    return F.adaptive_avg_pool2d(x, size)


def with_upsampled(op, x, small, factor):
    """``op(x, F.interpolate(small, size=x.shape[-2:], mode='nearest'))``, e.g. ``torch.mul``
    (or ``torch.Tensor.add_``, in place into ``x``).

    When ``x`` is exactly ``factor`` times larger (and not tracing), ``small`` is broadcast over
    ``x`` instead of being upsampled into a full-size intermediate: over ``factor``×``factor``
    tiles in channels-last memory, or, upsampled in width only, over ``factor``-row bands in
    channels-first memory (contiguous inner loops either way).
    """
    if factor == 1:
        return op(x, small)
    if torch.jit.is_tracing() or not _divides(x, small.shape[-2:], factor):
        return op(x, F.interpolate(small, size=x.shape[-2:], mode='nearest'))
    if x.stride(1) == 1:
        tiles = x.unflatten(3, (-1, factor)).unflatten(2, (-1, factor))
        return op(tiles, small[:, :, :, None, :, None]).flatten(4, 5).flatten(2, 3)
    rows = small.repeat_interleave(factor, dim=3)
    return op(x.unflatten(2, (-1, factor)), rows[:, :, :, None]).flatten(2, 3)


class SpatialWeighting(BaseModule):
    """Squeeze-and-excitation within one branch: each channel is scaled by
    ``sigmoid(conv2(relu(conv1(mean_hw(x)))))``.

    Args:
        channels (int): Channels of the branch.
        ratio (int): The hidden layer has ``int(channels / ratio)`` channels. Default: 4.
        conv_cfg (dict, optional): Conv config. Default: None.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self, channels, ratio=4, conv_cfg=None, init_cfg=None):
        super().__init__(init_cfg)
        mid_channels = int(channels / ratio)
        self.conv1 = conv_module(channels, mid_channels, conv_cfg=conv_cfg, norm_cfg=None)
        self.conv2 = conv_module(
            mid_channels, channels, act='Sigmoid', conv_cfg=conv_cfg, norm_cfg=None)

    def forward(self, x):
        return x * self.conv2(self.conv1(x.mean(dim=(2, 3), keepdim=True)))


class CrossResolutionWeighting(BaseModule):
    """Channel weights for every branch, computed from all branches at once.

    Each branch is average-pooled to the size of the last (smallest) one; the concatenation goes
    through ``1×1 conv → norm → ReLU → 1×1 conv → norm → sigmoid``, and each branch is scaled by
    its part of the result, upsampled (nearest) to its size. Branch ``i`` has ``2**(n-1-i)``
    times the resolution of the last one (exact for inputs that are multiples of 32, where the
    pooling is a static ``2**(n-1-i)`` kernel; otherwise adaptive pooling as the reference).

    Args:
        channels (Sequence[int]): Channels of each branch, highest resolution first.
        ratio (int): The hidden layer has ``int(sum(channels) / ratio)`` channels. Default: 8.
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self,
                 channels,
                 ratio=8,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 init_cfg=None):
        super().__init__(init_cfg)
        self.channels = tuple(channels)
        total = sum(self.channels)
        mid_channels = int(total / ratio)
        self.factors = tuple(2**(len(self.channels) - 1 - i) for i in range(len(self.channels)))
        self.conv1 = conv_module(total, mid_channels, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv2 = conv_module(
            mid_channels, total, act='Sigmoid', conv_cfg=conv_cfg, norm_cfg=norm_cfg)

    def forward(self, xs):
        size = xs[-1].shape[-2:]
        pooled = [pool_to(x, size, f) for x, f in zip(xs, self.factors)]
        weights = self.conv2(self.conv1(torch.cat(pooled, dim=1))).split(self.channels, dim=1)
        return [
            with_upsampled(torch.mul, x, w, f) for x, w, f in zip(xs, weights, self.factors)
        ]


class ConditionalChannelWeighting(BaseModule):
    """Lite-HRNet's block: a shuffle block whose 1×1 convs are channel weightings.

    Each branch is split in halves. The second halves go through cross-resolution weighting,
    then per branch a depthwise 3×3 conv + norm and spatial weighting; each branch's halves are
    concatenated again and channel-shuffled.

    Args:
        in_channels (Sequence[int]): Channels of each branch (even numbers).
        reduce_ratio (int): ``ratio`` of the cross-resolution weighting.
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        with_cp (bool): Checkpoint the block to save memory. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self,
                 in_channels,
                 reduce_ratio,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if any(c % 2 for c in in_channels):
            raise ValueError(f'in_channels must be even, got {tuple(in_channels)}')
        self.with_cp = with_cp
        branch_channels = [c // 2 for c in in_channels]
        self.cross_resolution_weighting = CrossResolutionWeighting(
            branch_channels, ratio=reduce_ratio, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.depthwise_convs = nn.ModuleList(
            conv_module(c, c, 3, groups=c, act=None, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
            for c in branch_channels)
        self.spatial_weighting = nn.ModuleList(
            SpatialWeighting(c, ratio=4, conv_cfg=conv_cfg) for c in branch_channels)

    def _forward(self, *xs):
        halves = [x.chunk(2, dim=1) for x in xs]
        weighted = self.cross_resolution_weighting([h[1] for h in halves])
        return [
            cat_shuffle(h[0], sw(dw(x)))
            for h, x, dw, sw in zip(halves, weighted, self.depthwise_convs, self.spatial_weighting)
        ]

    def forward(self, xs):
        """Args: xs (Sequence[Tensor]): one map per branch. Returns: list[Tensor]."""
        return list(checkpoint_forward(self, self._forward, *xs))
