"""The conventions the ResNet-D skeleton owns, checked for every family that uses it
(assertions mirror mmdet's tests/test_models/test_backbones/test_resnet.py)."""
import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmhsnet.models import HSResNet, ResNeSt
from mmhsnet.models.backbones.resnet_d import BottleneckBase

FAMILIES = [HSResNet, ResNeSt]
ONE_STAGE = dict(depth=50, num_stages=1, strides=(1, ), dilations=(1, ), out_indices=(0, ))


def check_norm_state(modules, train_state):
    return all(m.training == train_state for m in modules if isinstance(m, _BatchNorm))


@pytest.mark.parametrize('family', FAMILIES)
def test_frozen_stages(family):
    frozen_stages = 1
    model = family(depth=50, frozen_stages=frozen_stages)
    model.init_weights()
    model.train()
    assert check_norm_state(model.stem.modules(), False)
    for param in model.stem.parameters():
        assert not param.requires_grad
    for i in range(1, frozen_stages + 1):
        layer = getattr(model, f'layer{i}')
        for mod in layer.modules():
            if isinstance(mod, _BatchNorm):
                assert mod.training is False
        for param in layer.parameters():
            assert param.requires_grad is False
    for param in model.layer2.parameters():
        assert param.requires_grad
    # stem-only freezing with the 7x7 stem
    model = family(depth=50, deep_stem=False, frozen_stages=0, norm_eval=False)
    model.train()
    assert model.norm1.training is False
    assert all(not p.requires_grad for p in model.conv1.parameters())
    assert model.layer1[0].bn1.training
    assert all(p.requires_grad for p in model.layer1.parameters())


@pytest.mark.parametrize('family', FAMILIES)
def test_norm_eval(family):
    model = family(depth=50, norm_eval=True)
    assert model.train() is model
    assert check_norm_state(model.modules(), False)
    model = family(depth=50, norm_eval=False)
    model.train()
    assert check_norm_state(model.modules(), True)


@pytest.mark.parametrize('family', FAMILIES)
def test_with_cp_same_outputs_gradients_and_norm_stats(family):
    """Checkpointing recomputes every block in backward; the norms' running statistics and
    num_batches_tracked must be updated once, as without it."""
    torch.manual_seed(0)
    kwargs = dict(depth=50, norm_eval=False, zero_init_residual=False)
    ref = family(**kwargs)
    ref.init_weights()
    cp_model = family(with_cp=True, **kwargs)
    cp_model.load_state_dict(ref.state_dict())
    assert all(block.with_cp for block in cp_model.layer3)
    x = torch.rand(2, 3, 64, 64)
    results = []
    for model in (ref, cp_model):
        model.train()
        outs = model(x)
        sum((o**2).mean() for o in outs).backward()
        results.append(outs)
    for o_ref, o_cp in zip(*results):
        torch.testing.assert_close(o_cp, o_ref, rtol=1e-5, atol=1e-5)
    for (name, p_ref), p_cp in zip(ref.named_parameters(), cp_model.parameters()):
        torch.testing.assert_close(p_cp.grad, p_ref.grad, rtol=1e-4, atol=1e-6, msg=name)
    buffers = dict(cp_model.named_buffers())
    assert len(buffers) == 3 * sum(isinstance(m, _BatchNorm) for m in ref.modules())
    for name, value in ref.named_buffers():
        torch.testing.assert_close(buffers[name], value, rtol=1e-5, atol=1e-6, msg=name)


@pytest.mark.parametrize('family', FAMILIES)
def test_zero_init_residual(family):
    model = family(depth=50, zero_init_residual=True)
    model.init_weights()
    blocks = [m for m in model.modules() if isinstance(m, BottleneckBase)]
    assert len(blocks) == 16
    for block in blocks:
        assert torch.all(block.norm3.weight == 0)
        assert torch.all(block.norm1.weight == 1)
    model = family(depth=50, zero_init_residual=False)
    model.init_weights()
    assert torch.all(model.layer1[0].norm3.weight == 1)


@pytest.mark.parametrize('family', FAMILIES)
def test_pretrained_argument(family):
    with pytest.warns(UserWarning, match='pretrained is deprecated'):
        model = family(depth=50, pretrained='some.pth')
    assert model.init_cfg == dict(type='Pretrained', checkpoint='some.pth')
    missing = family(depth=50, init_cfg=dict(type='Pretrained', checkpoint='nope/x50.pth'))
    with pytest.raises(FileNotFoundError, match=r"init_cfg.checkpoint='nope/x50.pth'.*README"):
        missing.init_weights()


@pytest.mark.parametrize('family', FAMILIES)
@pytest.mark.parametrize('kwargs,match', [
    (dict(depth=50, out_indices=(4, )),
     r'out_indices must be a non-empty subset of \[0, 1, 2, 3\]'),
    (dict(depth=50, out_indices=()), r'out_indices must be a non-empty subset'),
    (dict(depth=50, num_stages=3, strides=(1, 2, 2), dilations=(1, 1, 1), out_indices=(0, 3)),
     r'subset of \[0, 1, 2\]'),
    (dict(depth=50, frozen_stages=5), r'frozen_stages must be one of \[-1, 0, 1, 2, 3, 4\], got 5'),
    (dict(depth=50, num_stages=5), r'num_stages must be one of \[1, 2, 3, 4\]'),
    (dict(depth=50, style='tf'), r"style must be one of \['pytorch', 'caffe'\], got 'tf'"),
    (dict(depth=50, strides=(1, 2)), r'strides .* must have num_stages=4 entries'),
    (dict(depth=50, in_channels=0), r'in_channels must be a positive int, got 0'),
    (dict(depth=50, dcn=dict(type='DCNv2'), stage_with_dcn=(True, )),
     r'stage_with_dcn must have num_stages=4 entries'),
    (dict(depth=50, init_cfg=dict(type='Pretrained', checkpoint='a'), pretrained='b'),
     'init_cfg and pretrained cannot be specified at the same time'),
])
def test_bad_arguments(family, kwargs, match):
    with pytest.raises(ValueError, match=match):
        family(**kwargs)


@pytest.mark.parametrize('family', FAMILIES)
def test_wrong_input_channels(family):
    model = family(**ONE_STAGE)
    with pytest.raises(ValueError, match=r'in_channels=3, H, W\), got \(1, 1, 32, 32\)'):
        model(torch.rand(1, 1, 32, 32))
    gray = family(in_channels=1, **ONE_STAGE).eval()
    assert gray(torch.rand(1, 1, 32, 32))[0].shape == (1, 256, 8, 8)


def test_the_skeleton_is_not_a_backbone():
    import mmhsnet.models.backbones as backbones
    from mmhsnet.models.backbones.resnet_d import ResNetD
    assert 'ResNetD' not in backbones.__all__
    with pytest.raises(TypeError, match='ResNetD is the skeleton of mmhsnet.HSResNet and '
                       'mmhsnet.ResNeSt, not a backbone'):
        ResNetD(depth=50)


@pytest.mark.parametrize('family', FAMILIES)
def test_dcn_follows_mmdet(family):
    """mmdet's semantics: dcn makes the 3×3 convs of the chosen stages deformable, unless
    fallback_on_stride is true (then every block keeps its plain conv, as in mmdet)."""
    from mmcv.ops import ModulatedDeformConv2d

    def deformable(model):
        return [name for name, m in model.named_modules() if isinstance(m, ModulatedDeformConv2d)]

    stages = (False, False, False, True)
    model = family(depth=50, dcn=dict(type='DCNv2', deform_groups=1), stage_with_dcn=stages)
    names = deformable(model)
    assert names and all(name.startswith('layer4.') for name in names)
    fallback = family(depth=50, dcn=dict(type='DCNv2', deform_groups=1, fallback_on_stride=True),
                      stage_with_dcn=stages)
    assert deformable(fallback) == []
    with pytest.raises(ValueError, match='conv_cfg must be None when dcn is given'):
        family(depth=50, conv_cfg=dict(type='Conv2d'), dcn=dict(type='DCNv2'),
               stage_with_dcn=stages)
