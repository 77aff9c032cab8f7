import pytest
import torch
import torch.nn as nn

from mmhsnet import testing as mmhsnet_testing
from mmhsnet.models import LiteHRNet
from mmhsnet.models.backbones.litehrnet import ARCH_SETTINGS, LiteHRModule
from mmhsnet.registry import MODELS

# The official table (the official HRNet/Lite-HRNet README): params (M) and FLOPs at 256×192.
# The official tools/summary_network.py prints FLOPs with a binary divisor (its _round_value(x,
# binary=True)), so these "M" FLOPs are units of 2**20.
OFFICIAL = {
    'naive-18': (0.7, 194.8),
    'wider-naive-18': (1.3, 311.1),
    '18': (1.1, 205.2),
    '30': (1.8, 319.2),
}


def randomize_norms(model, seed=0):
    """Small norm weights keep the deep Lite-HRNet-30 activations in a comparable range."""
    return mmhsnet_testing.randomize_norms(model, seed, weight_range=(0.25, 0.75))


class TopDown(nn.Module):
    """Backbone + heatmap head, the tensor path of mmpose's TopdownPoseEstimator."""

    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x):
        return self.head.forward(self.backbone(x))


def mmpose_pair(arch, seed=0):
    """mmpose's LiteHRNet with random weights and ours loaded from its state dict (strict)."""
    from mmpose.models.backbones import LiteHRNet as MMPoseLiteHRNet
    torch.manual_seed(seed)
    theirs = randomize_norms(MMPoseLiteHRNet(ARCH_SETTINGS[arch]), seed)
    theirs.eval()  # its train() returns None
    ours = LiteHRNet(arch=arch)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours.eval(), theirs


@pytest.mark.parametrize('arch', ['18', '30', 'naive-18', 'wider-naive-18'])
def test_equals_mmpose(arch):
    ours, theirs = mmpose_pair(arch)
    exact = LiteHRNet(arch=arch, channels_last=False).eval()
    exact.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.rand(2, 3, 256, 192)
    with torch.no_grad():
        out, bitwise, expected = ours(x), exact(x), theirs(x)
    assert isinstance(out, tuple) and len(out) == len(expected) == 1
    assert expected[0].abs().max() > 1  # outputs of a useful scale
    # channels-first runs the reference's kernels in its order: bit-identical
    assert torch.equal(bitwise[0], expected[0])
    # the default, channels-last on the CPU: other conv kernels, float rounding only (measured
    # relative differences < 1e-6; mmpose's own outputs move more between 1 and 2 threads)
    assert out[0].shape == expected[0].shape and out[0].is_contiguous()
    torch.testing.assert_close(out[0], expected[0], rtol=1e-5, atol=1e-5)


def test_sizes_that_are_not_multiples_of_32():
    ours, theirs = mmpose_pair('18')
    x = torch.rand(1, 3, 250, 190)
    with torch.no_grad(), pytest.raises(RuntimeError, match='must match the size'):
        theirs(x)  # the reference's fixed-scale upsampling in the fuse layers
    ours.out_indices = (0, 1, 2, 3)
    with torch.no_grad():
        outs = ours(x)
    assert [tuple(o.shape[1:]) for o in outs] == [(40, 63, 48), (40, 32, 24), (80, 16, 12),
                                                  (160, 8, 6)]
    assert all(torch.isfinite(o).all() for o in outs)
    # a multiple-of-32 input takes the static pooling path and equals the reference, above;
    # the adaptive path gives the same result where both apply (see test_channel_weighting)


def test_loads_mmpose_checkpoint_through_init_cfg(tmp_path):
    ours, theirs = mmpose_pair('naive-18')
    path = tmp_path / 'litehrnet.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in theirs.state_dict().items()}}, path)
    model = LiteHRNet(
        arch='naive-18',
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=str(path))).eval()
    model.init_weights()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[0], theirs(x)[0], rtol=0, atol=1e-5)


@pytest.mark.parametrize('arch', ['naive-18', 'wider-naive-18', '18', '30'])
def test_params_and_flops_match_the_official_table(arch):
    """Counted: backbone + mmpose's HeatmapHead of the Lite-HRNet configs (17 keypoints,
    ``deconv_out_channels=None``: one 1×1 conv) on 1×3×256×192, by mmengine.analysis (convs: a
    multiply-add is one FLOP; plus norms and upsampling as it counts them)."""
    from mmengine.analysis import FlopAnalyzer
    from mmpose.models.backbones import LiteHRNet as MMPoseLiteHRNet
    from mmpose.models.heads import HeatmapHead
    backbone = LiteHRNet(arch=arch)
    head = HeatmapHead(in_channels=backbone.out_channels[0], out_channels=17,
                       deconv_out_channels=None)
    model = TopDown(backbone, head).eval()
    params = sum(p.numel() for p in model.parameters())
    assert sum(p.numel() for p in backbone.parameters()) == sum(
        p.numel() for p in MMPoseLiteHRNet(ARCH_SETTINGS[arch]).parameters())
    with torch.no_grad():
        flops = FlopAnalyzer(model, (torch.rand(1, 3, 256, 192), ))
        flops = flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False).total()
    official_params, official_flops = OFFICIAL[arch]
    # to the table's 0.1 M; naive-18 has 0.76 M (mmpose's too) where the table says 0.7
    assert abs(params / 1e6 - official_params) < 0.1
    assert abs(flops / 2**20 / official_flops - 1) < 0.05


@pytest.mark.parametrize('arch', ['18', 'naive-18'])
def test_with_cp_same_loss_and_gradients(arch):
    torch.manual_seed(0)
    models = [LiteHRNet(arch=arch, with_cp=cp, out_indices=(0, 1, 2, 3)) for cp in (False, True)]
    models[1].load_state_dict(models[0].state_dict())
    x = torch.rand(2, 3, 64, 64)
    losses, grads = [], []
    for model in models:
        model.train()
        loss = sum((o**2).mean() for o in model(x))
        loss.backward()
        losses.append(loss.detach())
        grads.append({n: p.grad for n, p in model.named_parameters()})
    assert torch.equal(losses[0], losses[1])
    for name, grad in grads[0].items():
        torch.testing.assert_close(grads[1][name], grad, rtol=1e-4, atol=1e-8, msg=name)
    state = models[1].state_dict()
    for key, value in models[0].state_dict().items():  # norm statistics updated once
        torch.testing.assert_close(state[key], value, msg=key)


def test_onnx_export_with_dynamic_axes(tmp_path):
    import onnxruntime as ort
    model = randomize_norms(LiteHRNet(arch='18')).eval()
    path = str(tmp_path / 'litehrnet18.onnx')
    x = torch.rand(1, 3, 256, 192)
    torch.onnx.export(
        model, (x, ), path, dynamo=False, opset_version=17, input_names=['input'],
        output_names=['output'],
        dynamic_axes={'input': {0: 'batch', 2: 'height', 3: 'width'}, 'output': {0: 'batch'}})
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for shape in ((2, 3, 256, 192), (1, 3, 128, 96)):  # any batch, any multiple of 32
        x = torch.rand(*shape)
        with torch.no_grad():
            expected = model(x)[0].numpy()
        out = session.run(None, {'input': x.numpy()})[0]
        assert out.shape == expected.shape
        assert abs(out - expected).max() < 1e-4


def test_all_branches_for_detection_and_segmentation():
    model = LiteHRNet(arch='18', with_head=False, out_indices=(0, 1, 2, 3)).eval()
    x = torch.rand(1, 3, 256, 192)
    with torch.no_grad():
        outs = model(x)
    assert model.out_channels == [40, 80, 160, 320]
    assert [tuple(o.shape[1:]) for o in outs] == [(40 * 2**i, 256 // s, 192 // s)
                                                  for i, s in enumerate((4, 8, 16, 32))]
    assert not hasattr(model, 'head_layer')
    # mmdet's HRFPN and mmseg's concat FCN head (as mmseg's HRNet configs) take them as is
    from mmdet.models.necks import HRFPN
    from mmseg.models.decode_heads import FCNHead
    with torch.no_grad():
        fpn = HRFPN(in_channels=[40, 80, 160, 320], out_channels=32)(outs)
        seg = FCNHead(in_channels=[40, 80, 160, 320], in_index=(0, 1, 2, 3), channels=600,
                      input_transform='resize_concat', kernel_size=1, num_convs=1,
                      concat_input=False, num_classes=19).eval()(outs)
    assert [f.shape[-1] for f in fpn] == [48, 24, 12, 6, 3]
    assert seg.shape == (1, 19, 64, 48)
    # with the iterative head, a branch has the channels of the next higher resolution one
    model = LiteHRNet(arch='18', out_indices=(0, 1, 2, 3)).eval()
    with torch.no_grad():
        assert [o.shape[1] for o in model(x)] == model.out_channels == [40, 40, 80, 160]


def test_extra_and_arch_build_the_same_network():
    from mmpose.models.backbones import LiteHRNet as MMPoseLiteHRNet
    extra = ARCH_SETTINGS['30']
    by_name, by_extra = LiteHRNet(arch=30), LiteHRNet(extra)
    keys = list(MMPoseLiteHRNet(extra).state_dict())
    assert list(by_name.state_dict()) == list(by_extra.state_dict()) == keys
    assert len(by_name.stage1) == 8 and isinstance(by_name.stage1[0], LiteHRModule)
    assert by_extra.extra == extra and by_extra.extra is not extra


def test_registry_scope():
    from mmengine.registry import DefaultScope
    from mmpose.registry import MODELS as MMPOSE_MODELS
    with DefaultScope.overwrite_default_scope('mmpose'):
        ours = MMPOSE_MODELS.build(dict(type='mmhsnet.LiteHRNet', arch='naive-18'))
        theirs = MMPOSE_MODELS.build(dict(type='LiteHRNet', extra=ARCH_SETTINGS['naive-18']))
    assert type(ours) is LiteHRNet and type(theirs) is not LiteHRNet
    assert MODELS.get('LiteHRNet') is LiteHRNet


@pytest.mark.parametrize('kwargs,match', [
    (dict(), r"give exactly one of arch \(one of \['18', '30', 'naive-18', 'wider-naive-18'\]\)"),
    (dict(arch='18', extra=ARCH_SETTINGS['18']), r'give exactly one of arch'),
    (dict(arch='w32'), r"arch must be one of \['18', '30', 'naive-18', 'wider-naive-18'\], "
     r"got 'w32'"),
    (dict(arch='18', out_indices=(4, )), r'out_indices must be a non-empty subset of '
     r'\[0, 1, 2, 3\], got \(4,\)'),
    (dict(arch='18', out_indices=()), r'out_indices must be a non-empty subset'),
    (dict(arch='18', frozen_stages=4), r'frozen_stages must be in \[-1, 3\], got 4'),
    (dict(extra=dict(stem={}, num_stages=1)), r"extra lacks \['stages_spec', 'with_head'\]"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LiteHRNet(**kwargs)


def test_bad_extra_and_input():
    extra = {**ARCH_SETTINGS['18'], 'num_stages': 2}
    with pytest.raises(ValueError, match=r"\['num_modules'\] must have num_stages=2 entries"):
        LiteHRNet(extra)
    spec = {**ARCH_SETTINGS['18']['stages_spec'], 'module_type': ('LITE', 'FOO', 'LITE')}
    with pytest.raises(ValueError, match=r"module_type must be 'LITE' or 'NAIVE', got 'FOO'"):
        LiteHRNet({**ARCH_SETTINGS['18'], 'stages_spec': spec})
    spec = {**ARCH_SETTINGS['18']['stages_spec'], 'num_branches': (2, 2, 4)}
    with pytest.raises(ValueError, match=r'stage 1: num_branches=2 but num_channels=\(40, 80, '):
        LiteHRNet({**ARCH_SETTINGS['18'], 'stages_spec': spec})
    with pytest.raises(ValueError, match=r'expects input of shape \(N, in_channels=3, H, W\)'):
        LiteHRNet(arch='naive-18')(torch.rand(1, 1, 32, 32))


def test_train_returns_self_and_norm_eval():
    model = LiteHRNet(arch='naive-18', norm_eval=True)
    assert model.train() is model and model.training
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and not any(m.training for m in norms)
    assert model.eval() is model and not model.training
    model = LiteHRNet(arch='naive-18')
    model.train()
    assert all(m.training for m in model.modules())


def test_frozen_stages():
    model = LiteHRNet(arch='naive-18', frozen_stages=1)
    model.train()
    for m in (model.stem, model.transition0, model.stage0):
        assert not m.training and not any(p.requires_grad for p in m.parameters())
    for m in (model.transition1, model.stage1, model.head_layer):
        assert m.training and all(p.requires_grad for p in m.parameters())
