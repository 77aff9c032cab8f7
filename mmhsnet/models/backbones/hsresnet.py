"""HS-ResNet: `Hierarchical-Split Block on Convolutional Neural Network
<https://arxiv.org/abs/2010.07621>`_.

The paper's code and widths were never published; this is mmhsnet's definition
(docs/hsresnet.md): a ResNet-D whose bottleneck's 3×3 conv is a :class:`HierarchicalSplit` of
``scales`` groups of ``floor(planes * base_width / 64)`` channels.
"""
import torch.nn as nn

from ...registry import MODELS
from ...utils.cnn import dcn_conv_cfg
from ..layers import HierarchicalSplit
from .resnet_d import BottleneckBase, ResNetD


class HSBottleneck(BottleneckBase):
    """1×1 conv → (3×3 average pool if the block strides) → hierarchical split → 1×1 conv.

    Args:
        inplanes (int): Input channels.
        planes (int): Base channels; the output has ``planes * 4``.
        scales (int): Groups of the hierarchical split. Default: 8.
        base_width (int): Channels per group at ``planes=64``; a block's groups are
            ``floor(planes * base_width / 64)`` wide. Default: 11.
        deploy (bool): Build the split's fused inference form. Default: False.
        fuse_cfg (dict, optional): ``channel_multiple`` and ``split_x`` of the fused form
            (:class:`HierarchicalSplit`). Default: None.
        **kwargs: See :class:`BottleneckBase`.
    """

    def __init__(self, inplanes, planes, scales=8, base_width=11, deploy=False, fuse_cfg=None,
                 **kwargs):
        width = planes * base_width // 64
        super().__init__(inplanes, planes, mid_channels=scales * width, **kwargs)
        # Striding with a pool before the split (ResNeSt's avd) keeps the split's convs stride 1.
        self.avd_layer = (
            nn.AvgPool2d(3, self.conv2_stride, padding=1) if self.conv2_stride > 1 else None)
        self.conv2 = HierarchicalSplit(
            width, scales, dilation=self.dilation, conv_cfg=dcn_conv_cfg(self.dcn, self.conv_cfg),
            norm_cfg=self.norm_cfg, deploy=deploy, **(fuse_cfg or {}))

    def forward_conv2(self, x):
        if self.avd_layer is not None:
            x = self.avd_layer(x)
        return self.conv2(x)


@MODELS.register_module()
class HSResNet(ResNetD):
    """HS-ResNet backbone: ResNet-D with hierarchical-split bottlenecks.

    The defaults, ``scales=8`` (the paper's recommendation) and ``base_width=11``, give
    HS-ResNet-50 22.8 M backbone parameters (24.9 M with a 1000-class fc), the closest to
    ResNet-50-D's (23.5 M; 25.6 M with the fc) of any ``base_width`` (docs/hsresnet.md).

    For inference, the splits have a fused form, as mmpretrain's RepVGG: build it with
    ``deploy=True`` (it loads the checkpoints ``tools/model_converters/
    reparameterize_model.py`` writes), or switch a trained model with
    :meth:`switch_to_deploy`. It gives the same outputs to float rounding and cannot train.

    Args:
        depth (int): 50, 101 or 152.
        scales (int): Groups ``s`` of the hierarchical split, >= 2. Default: 8.
        base_width (int): Channels per group in the first stage (doubling with each stage);
            the first stage's groups must have >= 2 channels. Default: 11.
        deploy (bool): Build the fused inference form of every split. Default: False.
        fuse_cfg (dict, optional): Options of the fused form, ``channel_multiple`` (int, pad
            the fused convs' channels to a multiple of it) and ``split_x`` (bool); see
            :class:`~mmhsnet.models.layers.HierarchicalSplit`. Default: None (1 and False).
        **kwargs: Every argument of :class:`ResNetD` (mmdet's ``ResNet`` arguments), with
            ``deep_stem=True`` and ``avg_down=True`` by default.

    Example:
        >>> import torch
        >>> from mmhsnet.models import HSResNet
        >>> model = HSResNet(depth=50).eval()
        >>> [tuple(o.shape) for o in model(torch.rand(1, 3, 64, 64))]
        [(1, 256, 16, 16), (1, 512, 8, 8), (1, 1024, 4, 4), (1, 2048, 2, 2)]
    """
    block = HSBottleneck
    arch_settings = {
        50: (3, 4, 6, 3),
        101: (3, 4, 23, 3),
        152: (3, 8, 36, 3),
    }

    def __init__(self, depth, scales=8, base_width=11, deploy=False, fuse_cfg=None, **kwargs):
        if not isinstance(scales, int) or scales < 2:
            raise ValueError(f'scales must be an int >= 2, got {scales!r}')
        base_channels = kwargs.get('base_channels', 64)
        if not isinstance(base_width, int) or base_channels * base_width // 64 < 2:
            raise ValueError(
                f'base_width={base_width!r} gives groups of '
                f'{base_channels * base_width // 64 if isinstance(base_width, int) else "?"} '
                f'channel(s) in the first stage (base_channels={base_channels}); base_width must '
                f'be an int with floor(base_channels * base_width / 64) >= 2')
        unknown = set(fuse_cfg or {}) - {'channel_multiple', 'split_x'}
        if unknown:
            raise ValueError(f'fuse_cfg takes channel_multiple and split_x, got {sorted(unknown)}')
        self.scales = scales
        self.base_width = base_width
        self.deploy = deploy
        self.fuse_cfg = dict(fuse_cfg or {})
        super().__init__(depth, **kwargs)

    def make_res_layer(self, **kwargs):
        return super().make_res_layer(
            scales=self.scales,
            base_width=self.base_width,
            deploy=self.deploy,
            fuse_cfg=self.fuse_cfg,
            **kwargs)

    def _splits(self):
        return [m for m in self.modules() if isinstance(m, HierarchicalSplit)]

    def check_deploy(self, **fuse_cfg):
        """Raise ValueError if :meth:`switch_to_deploy` cannot switch every split."""
        for split in self._splits():
            split.check_deploy(**fuse_cfg)

    def switch_to_deploy(self, **fuse_cfg):
        """Switch every split of a trained model to its fused inference form, in place.

        Every split is checked before any is switched, so a refusal (a DCN or GroupNorm
        split) leaves the model as it was.

        Args:
            **fuse_cfg: ``channel_multiple`` / ``split_x``, overriding ``self.fuse_cfg``.
        """
        self.check_deploy(**fuse_cfg)
        for split in self._splits():
            split.switch_to_deploy(**fuse_cfg)
        self.fuse_cfg = {**self.fuse_cfg, **fuse_cfg}
        self.deploy = True
