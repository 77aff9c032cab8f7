"""Lite-HRNet: `A Lightweight High-Resolution Network <https://arxiv.org/abs/2104.06403>`_.

Semantics and state-dict keys of mmpose's ``LiteHRNet`` (and the official HRNet/Lite-HRNet
code), so that their checkpoints load with ``strict=True`` and give the same outputs (bit for
bit with ``channels_last=False``). Beyond the reference: ``with_cp`` works; ONNX export works,
with dynamic batch and image size (multiples of 32); other sizes work in eager mode (adaptive
pooling and nearest upsampling to each branch's actual size); every branch can be returned (for
detection and segmentation); ``train()`` returns the module; and the forward does less work on
the CPU (no duplicated fuse convs, in-place sums, one-copy shuffles, broadcast instead of
upsampled weights, channels-last memory; measured in docs/benchmarks.md).
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import DepthwiseSeparableConvModule, build_conv_layer, build_norm_layer
from mmengine.model import BaseModule

from ...registry import MODELS
from ...utils.cnn import checkpoint_forward, conv_module
from ..layers.channel_weighting import (ConditionalChannelWeighting, cat_shuffle, channel_shuffle,
                                        with_upsampled)
from .base_backbone import BaseBackbone


def _arch(module_type, num_modules, channels, reduce_ratio):
    return dict(
        stem=dict(stem_channels=32, out_channels=32, expand_ratio=1),
        num_stages=3,
        stages_spec=dict(
            num_modules=num_modules,
            num_branches=(2, 3, 4),
            num_blocks=(2, 2, 2),
            module_type=(module_type, ) * 3,
            with_fuse=(True, True, True),
            reduce_ratios=(reduce_ratio, ) * 3,
            num_channels=tuple(tuple(channels[:n]) for n in (2, 3, 4))),
        with_head=True)


# The ``extra`` dicts of the official configs (configs/top_down/{lite,naive}_litehrnet); NAIVE
# modules ignore the reduce ratio.
ARCH_SETTINGS = {
    '18': _arch('LITE', (2, 4, 2), (40, 80, 160, 320), 8),
    '30': _arch('LITE', (3, 8, 3), (40, 80, 160, 320), 8),
    'naive-18': _arch('NAIVE', (2, 4, 2), (30, 60, 120, 240), 1),
    'wider-naive-18': _arch('NAIVE', (2, 4, 2), (40, 80, 160, 320), 1),
}


def dw_pw(in_channels, out_channels, stride=1, relu=True, conv_cfg=None,
          norm_cfg=dict(type='BN')):
    """Depthwise 3×3 conv → norm → 1×1 conv → norm (→ ReLU), as a plain ``nn.Sequential``
    (keys ``0``–``3``, those of the reference's transition and fuse layers)."""
    layers = [
        build_conv_layer(conv_cfg, in_channels, in_channels, 3, stride=stride, padding=1,
                         groups=in_channels, bias=False),
        build_norm_layer(norm_cfg, in_channels)[1],
        build_conv_layer(conv_cfg, in_channels, out_channels, 1, bias=False),
        build_norm_layer(norm_cfg, out_channels)[1],
    ]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if relu else nn.Sequential(*layers)


class Stem(BaseModule):
    """3×3 stride-2 conv, then a stride-2 shuffle block whose second half is an inverted
    residual (1×1 expand → depthwise 3×3 → 1×1): ``stride 4`` in all.

    Args:
        in_channels (int): Input channels.
        stem_channels (int): Channels of the first conv.
        out_channels (int): Output channels.
        expand_ratio (float): Expansion of the inverted residual.
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        with_cp (bool): Checkpoint the block to save memory. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self,
                 in_channels,
                 stem_channels,
                 out_channels,
                 expand_ratio,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.with_cp = with_cp
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        mid_channels = int(round(stem_channels * expand_ratio))
        branch_channels = stem_channels // 2
        if stem_channels == out_channels:
            branch1_out, branch2_out = out_channels - branch_channels, branch_channels
        else:
            branch1_out, branch2_out = out_channels - stem_channels, stem_channels
        self.halves_equal = branch1_out == branch2_out

        self.conv1 = conv_module(in_channels, stem_channels, 3, stride=2, **cfg)
        self.branch1 = nn.Sequential(
            conv_module(branch_channels, branch_channels, 3, stride=2, groups=branch_channels,
                        act=None, **cfg),
            conv_module(branch_channels, branch1_out, **cfg))
        self.expand_conv = conv_module(branch_channels, mid_channels, **cfg)
        self.depthwise_conv = conv_module(
            mid_channels, mid_channels, 3, stride=2, groups=mid_channels, act=None, **cfg)
        self.linear_conv = conv_module(mid_channels, branch2_out, **cfg)

    def _forward(self, x):
        x1, x2 = self.conv1(x).chunk(2, dim=1)
        x1 = self.branch1(x1)
        x2 = self.linear_conv(self.depthwise_conv(self.expand_conv(x2)))
        if self.halves_equal:
            return cat_shuffle(x1, x2)
        return channel_shuffle(torch.cat((x1, x2), dim=1), 2)

    def forward(self, x):
        return checkpoint_forward(self, self._forward, x)


class ShuffleUnit(BaseModule):
    """ShuffleNet V2's stride-1 unit (the block of NAIVE modules): half of the channels pass,
    the other half go through ``1×1 → depthwise 3×3 → 1×1``; then the halves are shuffled.

    Args:
        channels (int): Input and output channels (even).
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        with_cp (bool): Checkpoint the block to save memory. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self, channels, conv_cfg=None, norm_cfg=dict(type='BN'), with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if channels % 2:
            raise ValueError(f'ShuffleUnit needs an even number of channels, got {channels}')
        self.with_cp = with_cp
        c = channels // 2
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.branch2 = nn.Sequential(
            conv_module(c, c, **cfg),
            conv_module(c, c, 3, groups=c, act=None, **cfg),
            conv_module(c, c, **cfg))

    def _forward(self, x):
        x1, x2 = x.chunk(2, dim=1)
        return cat_shuffle(x1, self.branch2(x2))

    def forward(self, x):
        return checkpoint_forward(self, self._forward, x)


class LiteHRModule(BaseModule):
    """Blocks on each branch, then a fusion that gives every branch the sum of all branches
    brought to its resolution (1×1 conv + nearest upsampling from lower resolutions, stride-2
    depthwise-separable convs from higher ones) and a ReLU; with the reference's quirks, which
    its checkpoints were trained with (see ``_fuse``).

    Args:
        num_branches (int): Number of branches.
        num_blocks (int): Blocks per branch.
        in_channels (Sequence[int]): Channels of each branch.
        reduce_ratio (int): Reduce ratio of the cross-resolution weighting (LITE only).
        module_type (str): 'LITE' (conditional channel weighting blocks, across branches) or
            'NAIVE' (shuffle units, per branch).
        with_fuse (bool): Fuse the branches at the end. Default: True.
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        with_cp (bool): Checkpoint each block to save memory. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self,
                 num_branches,
                 num_blocks,
                 in_channels,
                 reduce_ratio,
                 module_type,
                 with_fuse=True,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if num_branches != len(in_channels):
            raise ValueError(f'num_branches={num_branches} but in_channels has '
                             f'{len(in_channels)} entries: {tuple(in_channels)}')
        self.num_branches = num_branches
        self.in_channels = list(in_channels)
        self.module_type = module_type.upper()
        self.with_fuse = with_fuse
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, with_cp=with_cp)
        if self.module_type == 'LITE':
            self.layers = nn.Sequential(*(
                ConditionalChannelWeighting(in_channels, reduce_ratio, **cfg)
                for _ in range(num_blocks)))
        elif self.module_type == 'NAIVE':
            self.layers = nn.ModuleList(
                nn.Sequential(*(ShuffleUnit(c, **cfg) for _ in range(num_blocks)))
                for c in in_channels)
        else:
            raise ValueError(f"module_type must be 'LITE' or 'NAIVE', got {module_type!r}")
        if with_fuse and num_branches > 1:
            self.fuse_layers = self._make_fuse_layers(conv_cfg, norm_cfg)

    def _make_fuse_layers(self, conv_cfg, norm_cfg):
        """``fuse_layers[i][j]`` brings branch ``j`` to branch ``i``."""
        chs = self.in_channels
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)

        def fuse(i, j):
            if j > i:  # 1×1 conv + norm; upsampled in forward to branch i's size
                return nn.Sequential(
                    build_conv_layer(conv_cfg, chs[j], chs[i], 1, bias=False),
                    build_norm_layer(norm_cfg, chs[i])[1])
            if j == i:
                return nn.Identity()
            return nn.Sequential(*(
                dw_pw(chs[j], chs[i], 2, relu=False, **cfg) if k == i - j - 1 else
                dw_pw(chs[j], chs[j], 2, **cfg) for k in range(i - j)))

        n = self.num_branches
        return nn.ModuleList(nn.ModuleList(fuse(i, j) for j in range(n)) for i in range(n))

    def _add_branch(self, y, i, j, x):
        """Add branch ``j``'s map ``x``, brought to branch ``i``, to ``y`` in place."""
        x = self.fuse_layers[i][j](x)
        if j > i:
            with_upsampled(torch.Tensor.add_, y, x, 2**(j - i))
        else:
            y.add_(x)

    def _fuse(self, xs):
        # As the reference. Its sum for branch i starts from branch 0's term and then adds every
        # branch's term, branch 0 included, so branch 0's term counts twice; and it sums branch
        # 0 in place into branch 0's own tensor, so the other branches bring the pre-ReLU sum of
        # branch 0 (x0), not branch 0's input, to their resolution. Sums are accumulated in place
        # into fresh tensors (none is needed for the backward pass).
        n = self.num_branches
        x0 = xs[0] + xs[0]
        for j in range(1, n):
            self._add_branch(x0, 0, j, xs[j])
        outs = [torch.relu(x0)]
        for i in range(1, n):
            y = self.fuse_layers[i][0](x0).mul_(2)
            for j in range(1, n):
                if j == i:
                    y.add_(xs[j])
                else:
                    self._add_branch(y, i, j, xs[j])
            outs.append(y.relu_())
        return outs

    def forward(self, xs):
        """Args: xs (Sequence[Tensor]): one map per branch. Returns: list[Tensor]."""
        if self.module_type == 'LITE':
            xs = self.layers(list(xs))
        else:
            xs = [branch(x) for branch, x in zip(self.layers, xs)]
        if self.with_fuse and self.num_branches > 1:
            xs = self._fuse(xs)
        return xs


class IterativeHead(BaseModule):
    """From the lowest resolution up, each branch plus the previous (bilinearly upsampled)
    result goes through a depthwise-separable conv; branch ``i`` leaves with the channels of
    branch ``i - 1`` (branch 0 keeps its own).

    Args:
        in_channels (Sequence[int]): Channels of each branch, highest resolution first.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """

    def __init__(self, in_channels, norm_cfg=dict(type='BN'), init_cfg=None):
        super().__init__(init_cfg)
        chs = list(in_channels)[::-1]
        out_chs = chs[1:] + chs[-1:]
        self.projects = nn.ModuleList(
            DepthwiseSeparableConvModule(
                cin, cout, 3, padding=1, norm_cfg=norm_cfg, act_cfg=dict(type='ReLU'),
                dw_act_cfg=None, pw_act_cfg=dict(type='ReLU'))
            for cin, cout in zip(chs, out_chs))

    def forward(self, xs):
        ys, last = [], None
        for x, project in zip(xs[::-1], self.projects):
            if last is not None:
                x = x + F.interpolate(
                    last, size=x.shape[-2:], mode='bilinear', align_corners=True)
            last = project(x)
            ys.append(last)
        return ys[::-1]


@MODELS.register_module()
class LiteHRNet(BaseBackbone):
    """Lite-HRNet backbone, with the keys and outputs of mmpose's ``LiteHRNet``.

    Args:
        extra (dict, optional): mmpose's architecture dict (``stem``, ``num_stages``,
            ``stages_spec``, ``with_head``). Give either ``extra`` or ``arch``.
        in_channels (int): Input image channels. Default: 3.
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        norm_eval (bool): Keep norm layers in eval mode while training. Default: False.
        with_cp (bool): Checkpoint every block to save memory. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config. Default: mmpose's
            (normal std 0.001 convs, unit norms).
        arch (str, optional): '18', '30', 'naive-18' or 'wider-naive-18': the official
            configs' ``extra``.
        out_indices (Sequence[int]): Branches returned, 0 = highest resolution (stride 4),
            ``i`` = stride ``4 * 2**i``. ``(0,)``: the pose output, as mmpose; ``(0, 1, 2, 3)``
            with ``with_head=False``: every branch, 40/80/160/320 channels for Lite-HRNet-18,
            for mmdet's ``HRFPN`` or mmseg's concat heads. Default: (0, ).
        with_head (bool, optional): Override ``extra['with_head']`` (the iterative head, which
            refines the branches from the lowest resolution up; its outputs have the channels
            of the next higher branch). Default: None (keep the arch's, True).
        frozen_stages (int): Freeze the stem (>= 0) and the first ``frozen_stages`` stages with
            their transitions (never the head); -1 freezes nothing. Default: -1.
        channels_last (bool): On the CPU, compute in channels-last memory, where oneDNN's
            depthwise and 1×1 convs are faster (measured with
            tools/analysis_tools/benchmark_litehrnet.py, docs/benchmarks.md). Outputs then
            differ from mmpose's by float rounding only (other conv kernels); with False they
            are bit-identical. Outputs are returned contiguous either way; other devices and
            tracing (ONNX export) are not affected. Default: True.
        pretrained (str, optional): Deprecated, use ``init_cfg``. Default: None.

    Example:
        >>> import torch
        >>> from mmhsnet.models import LiteHRNet
        >>> model = LiteHRNet(arch='18', with_head=False, out_indices=(0, 1, 2, 3)).eval()
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 256, 192))]
        [(1, 40, 64, 48), (1, 80, 32, 24), (1, 160, 16, 12), (1, 320, 8, 6)]
    """
    arch_settings = ARCH_SETTINGS

    def __init__(self,
                 extra=None,
                 in_channels=3,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 norm_eval=False,
                 with_cp=False,
                 init_cfg=None,
                 arch=None,
                 out_indices=(0, ),
                 with_head=None,
                 frozen_stages=-1,
                 channels_last=True,
                 pretrained=None):
        super().__init__(
            init_cfg,
            pretrained,
            default_init_cfg=[
                dict(type='Normal', std=0.001, layer=['Conv2d']),
                dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
            ])
        extra = self._get_extra(arch, extra)
        if with_head is not None:
            extra['with_head'] = bool(with_head)
        self.arch = None if arch is None else str(arch)
        self.extra = extra
        self.in_channels = in_channels
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.num_stages = extra['num_stages']
        self.stages_spec = spec = extra['stages_spec']
        self.with_head = extra['with_head']
        num_out = spec['num_branches'][-1]
        if not out_indices or any(i not in range(num_out) for i in out_indices):
            raise ValueError(f'out_indices must be a non-empty subset of {list(range(num_out))}, '
                             f'got {tuple(out_indices)}')
        if frozen_stages not in range(-1, self.num_stages + 1):
            raise ValueError(f'frozen_stages must be in [-1, {self.num_stages}], '
                             f'got {frozen_stages!r}')
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.channels_last = channels_last

        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.stem = Stem(in_channels, with_cp=with_cp, **extra['stem'], **cfg)
        channels = [self.stem.out_channels]
        for i in range(self.num_stages):
            stage_channels = list(spec['num_channels'][i])
            setattr(self, f'transition{i}', self._make_transition(channels, stage_channels))
            setattr(self, f'stage{i}', nn.Sequential(*(
                LiteHRModule(
                    spec['num_branches'][i], spec['num_blocks'][i], stage_channels,
                    spec['reduce_ratios'][i], spec['module_type'][i],
                    with_fuse=spec['with_fuse'][i], with_cp=with_cp, **cfg)
                for _ in range(spec['num_modules'][i]))))
            channels = stage_channels
        self.out_channels = channels
        if self.with_head:
            self.head_layer = IterativeHead(channels, norm_cfg=norm_cfg)
            self.out_channels = [channels[0]] + channels[:-1]
        self._freeze_stages()

    @classmethod
    def _get_extra(cls, arch, extra):
        allowed = list(cls.arch_settings)
        if (arch is None) == (extra is None):
            raise ValueError(f'give exactly one of arch (one of {allowed}) and extra (the '
                             f'architecture dict of mmpose configs), got arch={arch!r} and '
                             f'extra={"None" if extra is None else "a dict"}')
        if arch is not None:
            if str(arch) not in cls.arch_settings:
                raise ValueError(f'arch must be one of {allowed}, got {arch!r}')
            return copy.deepcopy(cls.arch_settings[str(arch)])
        extra = copy.deepcopy(dict(extra))
        missing = {'stem', 'num_stages', 'stages_spec', 'with_head'} - set(extra)
        if missing:
            raise ValueError(f'extra lacks {sorted(missing)}')
        spec, n = extra['stages_spec'], extra['num_stages']
        keys = ('num_modules', 'num_branches', 'num_blocks', 'module_type', 'with_fuse',
                'reduce_ratios', 'num_channels')
        for key in keys:
            if key not in spec or len(spec[key]) != n:
                raise ValueError(f"extra['stages_spec'][{key!r}] must have num_stages={n} "
                                 f"entries, got {spec.get(key)!r}")
        for i in range(n):
            if len(spec['num_channels'][i]) != spec['num_branches'][i]:
                raise ValueError(f'stage {i}: num_branches={spec["num_branches"][i]} but '
                                 f'num_channels={tuple(spec["num_channels"][i])}')
        return extra

    def _make_transition(self, pre, cur):
        """Adapt the channels of existing branches; add each new branch by stride-2 convs
        from the lowest-resolution one."""
        cfg = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
        layers = []
        for i, c in enumerate(cur):
            if i < len(pre):
                layers.append(dw_pw(pre[i], c, **cfg) if c != pre[i] else nn.Identity())
            else:
                new = i + 1 - len(pre)
                layers.append(nn.Sequential(*(
                    dw_pw(pre[-1], c if k == new - 1 else pre[-1], 2, **cfg)
                    for k in range(new))))
        return nn.ModuleList(layers)

    def forward(self, x):
        if not torch.jit.is_tracing() and (x.dim() != 4 or x.shape[1] != self.in_channels):
            raise ValueError(f'LiteHRNet expects input of shape (N, in_channels='
                             f'{self.in_channels}, H, W), got {tuple(x.shape)}')
        if self.channels_last and x.device.type == 'cpu' and not torch.jit.is_tracing():
            x = x.contiguous(memory_format=torch.channels_last)
        ys = [self.stem(x)]
        for i in range(self.num_stages):
            transition = getattr(self, f'transition{i}')
            xs = [t(ys[min(j, len(ys) - 1)]) for j, t in enumerate(transition)]
            ys = getattr(self, f'stage{i}')(xs)
        if self.with_head:
            ys = self.head_layer(ys)
        return tuple(ys[i].contiguous() for i in self.out_indices)

    def _freeze_stages(self):
        if self.frozen_stages < 0:
            return
        frozen = [self.stem]
        for i in range(self.frozen_stages):
            frozen += [getattr(self, f'transition{i}'), getattr(self, f'stage{i}')]
        for m in frozen:
            m.eval()
            for param in m.parameters():
                param.requires_grad = False
