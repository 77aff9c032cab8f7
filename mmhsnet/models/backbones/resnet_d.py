"""The ResNet-D skeleton shared by HS-ResNet and ResNeSt.

It owns every convention an mmdet / mmseg user relies on — deep stem, average-pool shortcut,
``out_indices``, ``frozen_stages``, ``norm_eval``, ``with_cp``, dilation with
``contract_dilation``, DCN stages, ``zero_init_residual``, ``init_cfg`` / ``pretrained`` — and
the module names of mmdet's ``ResNet`` (``stem``, ``layer{i}``, ``conv1``, ``bn1``, ``conv3``,
``bn3``, ``downsample``), so that mmdet's checkpoints keep their keys. A family only adds a
bottleneck (its ``conv2``) and a table of depths.
"""
import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule, Sequential

from ...utils.cnn import checkpoint_forward
from .base_backbone import BaseBackbone


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f'{name} must be one of {list(allowed)}, got {value!r}')


class BottleneckBase(BaseModule):
    """conv1 (1×1) → ``forward_conv2`` (the family's idea) → conv3 (1×1), plus the shortcut.

    Subclasses build ``conv2`` and implement :meth:`forward_conv2`.

    Args:
        inplanes (int): Input channels.
        planes (int): Base channels of the block; the output has ``planes * 4``.
        mid_channels (int): Channels between conv1 and conv3.
        stride (int): Stride of the block. Default: 1.
        dilation (int): Dilation of the 3×3 convs. Default: 1.
        downsample (nn.Module, optional): Shortcut projection. Default: None.
        style (str): 'pytorch' (conv2 strides) or 'caffe' (conv1 strides). Default: 'pytorch'.
        with_cp (bool): Trade compute for memory with checkpointing (norm statistics are
            updated once, as without it). Default: False.
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        dcn (dict, optional): Deformable conv config for conv2, with mmdet's semantics
            (:func:`mmhsnet.utils.dcn_conv_cfg`). Default: None.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """
    expansion = 4

    def __init__(self,
                 inplanes,
                 planes,
                 mid_channels,
                 stride=1,
                 dilation=1,
                 downsample=None,
                 style='pytorch',
                 with_cp=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 dcn=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        _check_choice('style', style, ('pytorch', 'caffe'))
        self.inplanes = inplanes
        self.planes = planes
        self.mid_channels = mid_channels
        self.stride = stride
        self.dilation = dilation
        self.style = style
        self.with_cp = with_cp
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.dcn = dcn
        self.conv1_stride, self.conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)

        self.norm1_name, norm1 = build_norm_layer(norm_cfg, mid_channels, postfix=1)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, planes * self.expansion, postfix=3)
        self.conv1 = build_conv_layer(
            conv_cfg, inplanes, mid_channels, 1, stride=self.conv1_stride, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv3 = build_conv_layer(
            conv_cfg, mid_channels, planes * self.expansion, 1, bias=False)
        self.add_module(self.norm3_name, norm3)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    @property
    def norm3(self):
        return getattr(self, self.norm3_name)

    def forward_conv2(self, x):
        """The family-specific middle of the block (``mid_channels`` in and out)."""
        raise NotImplementedError

    def _inner_forward(self, x):
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.forward_conv2(out)
        out = self.norm3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return out + identity

    def forward(self, x):
        return self.relu(checkpoint_forward(self, self._inner_forward, x))


class ResLayer(Sequential):
    """A stage of ``num_blocks`` bottlenecks; the first one may stride and project.

    Args:
        block (type): Bottleneck class.
        inplanes (int): Input channels.
        planes (int): Base channels (output: ``planes * block.expansion``).
        num_blocks (int): Number of blocks.
        stride (int): Stride of the first block. Default: 1.
        dilation (int): Dilation of the stage. Default: 1.
        avg_down (bool): Shortcut downsamples with an average pool, then a 1×1 conv (ResNet-D).
            Default: True.
        contract_dilation (bool): The first block uses ``dilation // 2`` (mmseg's -d8).
            Default: False.
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN')``.
        **kwargs: Passed on to every block.
    """

    def __init__(self,
                 block,
                 inplanes,
                 planes,
                 num_blocks,
                 stride=1,
                 dilation=1,
                 avg_down=True,
                 contract_dilation=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 **kwargs):
        outplanes = planes * block.expansion
        downsample = None
        if stride != 1 or inplanes != outplanes:
            layers = []
            conv_stride = stride
            if avg_down:
                # An identity at stride 1 keeps the conv and norm at downsample.1 / .2, the
                # keys of mmdet's and the official checkpoints.
                conv_stride = 1
                layers.append(
                    nn.AvgPool2d(stride, stride, ceil_mode=True, count_include_pad=False)
                    if stride != 1 else nn.Identity())
            layers += [
                build_conv_layer(conv_cfg, inplanes, outplanes, 1, stride=conv_stride, bias=False),
                build_norm_layer(norm_cfg, outplanes)[1]
            ]
            downsample = nn.Sequential(*layers)
        first_dilation = dilation // 2 if contract_dilation and dilation > 1 else dilation
        blocks = [
            block(
                inplanes=inplanes,
                planes=planes,
                stride=stride,
                dilation=first_dilation,
                downsample=downsample,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                **kwargs)
        ]
        blocks += [
            block(
                inplanes=outplanes,
                planes=planes,
                dilation=dilation,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                **kwargs) for _ in range(1, num_blocks)
        ]
        super().__init__(*blocks)


class ResNetD(BaseBackbone):
    """ResNet-D (`Bag of Tricks <https://arxiv.org/abs/1812.01187>`_) with mmdet's interface:
    the skeleton of :class:`~mmhsnet.models.HSResNet` and :class:`~mmhsnet.models.ResNeSt`,
    not a backbone of its own.

    A family subclasses it as mmdet's ``ResNeSt`` subclasses ``ResNet``: it sets ``block`` (a
    :class:`BottleneckBase`) and ``arch_settings`` (depth → blocks per stage), and overrides
    :meth:`make_res_layer` to pass its block's own arguments to :class:`ResLayer`.

    Args:
        depth (int): Depth, a key of ``arch_settings``.
        in_channels (int): Input image channels. Default: 3.
        stem_channels (int, optional): Stem output channels. Default: ``base_channels``.
        base_channels (int): ``planes`` of the first stage. Default: 64.
        num_stages (int): Number of stages, 1 to 4. Default: 4.
        strides (Sequence[int]): Stride of each stage. Default: (1, 2, 2, 2).
        dilations (Sequence[int]): Dilation of each stage. Default: (1, 1, 1, 1).
        out_indices (Sequence[int]): Stages whose outputs are returned. Default: (0, 1, 2, 3).
        style (str): 'pytorch' or 'caffe'. Default: 'pytorch'.
        deep_stem (bool): Three 3×3 convs instead of one 7×7 in the stem. Default: True.
        avg_down (bool): Average-pool shortcut downsampling. Default: True.
        contract_dilation (bool): Halve the first block's dilation in dilated stages. Default:
            False.
        frozen_stages (int): Stages to freeze (stem included when >= 0); -1 freezes nothing.
            Default: -1.
        conv_cfg (dict, optional): Conv config. Default: None.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN', requires_grad=True)``.
        norm_eval (bool): Keep norm layers in eval mode while training. Default: True.
        dcn (dict, optional): Deformable conv config for the 3×3 convs. Default: None.
        stage_with_dcn (Sequence[bool]): Stages that use ``dcn``. Default: all False.
        with_cp (bool): Checkpoint each block to save memory; outputs, gradients and norm
            statistics stay those of ``with_cp=False``. Default: False.
        zero_init_residual (bool): Zero-init the last norm of each block. Default: True.
        pretrained (str, optional): Deprecated, use ``init_cfg``. Default: None.
        init_cfg (dict | list[dict], optional): Initialization config. Default: None.
    """
    block = None
    arch_settings = {}

    def __init__(self,
                 depth,
                 in_channels=3,
                 stem_channels=None,
                 base_channels=64,
                 num_stages=4,
                 strides=(1, 2, 2, 2),
                 dilations=(1, 1, 1, 1),
                 out_indices=(0, 1, 2, 3),
                 style='pytorch',
                 deep_stem=True,
                 avg_down=True,
                 contract_dilation=False,
                 frozen_stages=-1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 norm_eval=True,
                 dcn=None,
                 stage_with_dcn=(False, False, False, False),
                 with_cp=False,
                 zero_init_residual=True,
                 pretrained=None,
                 init_cfg=None):
        if self.block is None or not self.arch_settings:
            raise TypeError(f'{type(self).__name__} is the skeleton of mmhsnet.HSResNet and '
                            'mmhsnet.ResNeSt, not a backbone: use one of those, or subclass it '
                            'with block, arch_settings and make_res_layer')
        uses_default_init = init_cfg is None and pretrained is None
        super().__init__(
            init_cfg,
            pretrained,
            default_init_cfg=[
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
            ])
        _check_choice('depth', depth, sorted(self.arch_settings))
        _check_choice('num_stages', num_stages, (1, 2, 3, 4))
        _check_choice('style', style, ('pytorch', 'caffe'))
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(f'strides {tuple(strides)} and dilations {tuple(dilations)} must '
                             f'have num_stages={num_stages} entries each')
        if not out_indices or any(i not in range(num_stages) for i in out_indices):
            raise ValueError(f'out_indices must be a non-empty subset of '
                             f'{list(range(num_stages))} (num_stages={num_stages}), '
                             f'got {tuple(out_indices)}')
        _check_choice('frozen_stages', frozen_stages, range(-1, num_stages + 1))
        if dcn is not None and len(stage_with_dcn) != num_stages:
            raise ValueError(f'stage_with_dcn must have num_stages={num_stages} entries, '
                             f'got {tuple(stage_with_dcn)}')
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f'in_channels must be a positive int, got {in_channels!r}')
        block_init_cfg = None
        if uses_default_init and zero_init_residual:
            block_init_cfg = dict(type='Constant', val=0, override=dict(name='norm3'))

        self.depth = depth
        self.in_channels = in_channels
        self.stem_channels = stem_channels or base_channels
        self.base_channels = base_channels
        self.num_stages = num_stages
        self.strides = tuple(strides)
        self.dilations = tuple(dilations)
        self.out_indices = tuple(out_indices)
        self.style = style
        self.deep_stem = deep_stem
        self.avg_down = avg_down
        self.contract_dilation = contract_dilation
        self.frozen_stages = frozen_stages
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual
        self.stage_blocks = self.arch_settings[depth][:num_stages]

        self._make_stem_layer(in_channels, self.stem_channels)
        self.res_layers = []
        inplanes = self.stem_channels
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = base_channels * 2**i
            res_layer = self.make_res_layer(
                block=self.block,
                inplanes=inplanes,
                planes=planes,
                num_blocks=num_blocks,
                stride=strides[i],
                dilation=dilations[i],
                avg_down=avg_down,
                contract_dilation=contract_dilation,
                style=style,
                with_cp=with_cp,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                dcn=dcn if dcn is not None and stage_with_dcn[i] else None,
                init_cfg=block_init_cfg)
            inplanes = planes * self.block.expansion
            self.add_module(f'layer{i + 1}', res_layer)
            self.res_layers.append(f'layer{i + 1}')
        self.feat_dim = inplanes
        self._freeze_stages()

    def make_res_layer(self, **kwargs):
        """Build one stage (:class:`ResLayer`); families add their block's arguments."""
        return ResLayer(**kwargs)

    def _make_stem_layer(self, in_channels, stem_channels):
        if self.deep_stem:
            mid = stem_channels // 2
            layers = []
            for i, (cin, cout) in enumerate(((in_channels, mid), (mid, mid), (mid, stem_channels))):
                layers += [
                    build_conv_layer(
                        self.conv_cfg, cin, cout, 3, stride=2 if i == 0 else 1, padding=1,
                        bias=False),
                    build_norm_layer(self.norm_cfg, cout)[1],
                    nn.ReLU(inplace=True)
                ]
            self.stem = nn.Sequential(*layers)
        else:
            self.conv1 = build_conv_layer(
                self.conv_cfg, in_channels, stem_channels, 7, stride=2, padding=3, bias=False)
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    def _stem_modules(self):
        return [self.stem] if self.deep_stem else [self.conv1, self.norm1]

    def _freeze_stages(self):
        frozen = self._stem_modules() if self.frozen_stages >= 0 else []
        frozen += [getattr(self, f'layer{i}') for i in range(1, self.frozen_stages + 1)]
        for m in frozen:
            m.eval()
            for param in m.parameters():
                param.requires_grad = False

    def forward(self, x):
        if x.dim() != 4 or x.size(1) != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects input of shape (N, '
                             f'in_channels={self.in_channels}, H, W), got {tuple(x.shape)}')
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
