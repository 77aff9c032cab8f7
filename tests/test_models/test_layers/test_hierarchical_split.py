import copy

import pytest
import torch
import torch.nn as nn

from mmhsnet.models.layers import HierarchicalSplit, hierarchical_split_channels
from mmhsnet.testing.models import randomize_norms


def output_group_sizes(width, scales):
    """Channels each input group contributes to the output, in order."""
    channels = hierarchical_split_channels(width, scales)
    return [width] + [c - c // 2 for c in channels[:-1]] + [channels[-1]]


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def test_channels_follow_the_definition():
    # c_2 = w, c_i = w + floor(c_{i-1} / 2)
    assert hierarchical_split_channels(10, 5) == [10, 15, 17, 18]
    assert hierarchical_split_channels(11, 8) == [11, 16, 19, 20, 21, 21, 21]
    assert hierarchical_split_channels(4, 2) == [4]


@pytest.mark.parametrize('scales', range(2, 9))
@pytest.mark.parametrize('width', [2, 3, 7, 11])
def test_output_has_scales_times_width_channels(scales, width):
    assert sum(output_group_sizes(width, scales)) == scales * width
    module = HierarchicalSplit(width, scales).eval()
    out = module(torch.rand(2, scales * width, 9, 7))
    assert out.shape == (2, scales * width, 9, 7)


@pytest.mark.parametrize('scales', range(2, 9))
@pytest.mark.parametrize('width', [8, 11, 26, 64])
def test_fewer_params_than_a_plain_3x3_conv_of_the_same_width(scales, width):
    """The paper's complexity claim, each side with its norm layers."""
    channels = scales * width
    hs = HierarchicalSplit(width, scales)
    plain = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                          nn.BatchNorm2d(channels))
    assert num_params(hs) < num_params(plain)


@pytest.mark.parametrize('scales,width', [(2, 4), (4, 5), (8, 3)])
def test_output_group_i_depends_only_on_input_groups_1_to_i(scales, width):
    torch.manual_seed(0)
    module = HierarchicalSplit(width, scales).eval()
    x = torch.rand(1, scales * width, 6, 6)
    out = module(x)
    bounds = torch.tensor([0] + output_group_sizes(width, scales)).cumsum(0).tolist()
    # group 1 passes through unchanged
    torch.testing.assert_close(out[:, :width], x[:, :width], rtol=0, atol=0)
    for j in range(1, scales):  # perturb input group j + 1 (0-based j)
        x2 = x.clone()
        x2[:, j * width:(j + 1) * width] += torch.randn(1, width, 6, 6)
        out2 = module(x2)
        unchanged = bounds[j]
        torch.testing.assert_close(out2[:, :unchanged], out[:, :unchanged], rtol=0, atol=0)
        assert not torch.allclose(out2[:, unchanged:bounds[j + 1]],
                                  out[:, unchanged:bounds[j + 1]])


def test_dilation_keeps_the_spatial_size():
    module = HierarchicalSplit(4, 4, dilation=4).eval()
    assert module(torch.rand(1, 16, 13, 11)).shape == (1, 16, 13, 11)
    assert all(m.conv.dilation == (4, 4) for m in module.convs)


@pytest.mark.parametrize('kwargs,match', [
    (dict(width=4, scales=1), 'scales must be an int >= 2'),
    (dict(width=1, scales=4), 'width .* must be an int >= 2'),
    (dict(width=4, scales=2.5), 'scales must be an int >= 2'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HierarchicalSplit(**kwargs)


# Fused form against the reference path, max |difference| / max |reference|: measured at most
# 1.7e-6 over the 48 cases of test_deploy_path_equals_the_reference (the channels_last cases
# with width 88 and 22; contiguous ones at most 5.2e-7) and 5.6e-7 in the affine-free test
# (seeded, this CPU, 1 and 2 threads, also seeds 1-4); about 3.5x the worst.
FUSED_RTOL = 6e-6


def fused_copy(module, **kwargs):
    fused = copy.deepcopy(module)
    fused.switch_to_deploy(**kwargs)
    return fused


def relative_error(out, ref):
    return ((out - ref).abs().max() / ref.abs().max()).item()


@pytest.mark.parametrize('scales,width,dilation', [(2, 3, 1), (3, 4, 2), (5, 7, 1), (8, 11, 1),
                                                   (8, 22, 2), (4, 88, 1)])
@pytest.mark.parametrize('channel_multiple', [1, 8])
@pytest.mark.parametrize('split_x', [False, True])
@pytest.mark.parametrize('memory_format', [torch.contiguous_format, torch.channels_last])
def test_deploy_path_equals_the_reference(scales, width, dilation, channel_multiple, split_x,
                                          memory_format):
    torch.manual_seed(0)
    module = randomize_norms(HierarchicalSplit(width, scales, dilation=dilation)).eval()
    x = torch.randn(3, scales * width, 13, 10).to(memory_format=memory_format)
    with torch.no_grad():
        ref = module(x)
        out = fused_copy(module, channel_multiple=channel_multiple, split_x=split_x)(x)
    assert out.shape == ref.shape
    assert relative_error(out, ref) < FUSED_RTOL
    # the pass-through group is not touched at all
    torch.testing.assert_close(out[:, :width], x[:, :width], rtol=0, atol=0)


def test_deploy_path_holds_only_the_fused_weights():
    module = HierarchicalSplit(11, 8).eval()  # c_i = 11, 16, 19, 20, 21, 21, 21
    for split_x in (False, True):
        fused = fused_copy(module, channel_multiple=8, split_x=split_x)
        assert fused.deploy and not hasattr(fused, 'convs')
        assert num_params(fused) == 0  # inference only: the fused weights are buffers
        shapes = {k: tuple(v.shape) for k, v in fused.state_dict().items()}
        if split_x:  # every group's output padded to the grouped conv's round_up(21, 8) = 24
            # x-parts: 7 groups of 24 rows; carry convs: carries 5, 8, 9, 10, 10, 10
            assert shapes.pop('x_weight') == (7 * 24, 11, 3, 3)
            assert shapes.pop('x_bias') == (7 * 24, )
            assert shapes == {f'weight{i}': (24, c, 3, 3)
                              for i, c in enumerate([8, 8, 16, 16, 16, 16], 1)}
        else:  # each group padded to its own c_i rounded up: 16, 16, 24, ...; inputs
            # concat(x_i, carry): 11, then 16, 19, 20, 21, 21, 21 rounded up
            rows = [16, 16, 24, 24, 24, 24, 24]
            assert shapes == {
                **{f'weight{i}': (r, c, 3, 3)
                   for i, (r, c) in enumerate(zip(rows, [11, 16, 24, 24, 24, 24, 24]))},
                **{f'bias{i}': (r, ) for i, r in enumerate(rows)}
            }
    fused.switch_to_deploy(channel_multiple=8, split_x=True)  # the same again: a no-op
    assert fused.x_weight.shape == (7 * 24, 11, 3, 3)
    assert 'deploy=True, channel_multiple=8, split_x=True' in repr(fused)
    fused.switch_to_deploy()  # the module's own options: a no-op
    with pytest.raises(ValueError, match=r"already switched to the fused form with "
                       r"\{'channel_multiple': 8, 'split_x': True\}"):
        fused.switch_to_deploy(channel_multiple=1)


def test_deploy_padding_follows_each_group():
    """Without split_x, each group is padded only to its own width rounded up: no padding at
    channel_multiple=1, so the fused convs do the reference's multiply-adds."""
    module = HierarchicalSplit(11, 8).eval()  # c_i = 11, 16, 19, 20, 21, 21, 21
    shapes = {k: tuple(v.shape) for k, v in fused_copy(module).state_dict().items()}
    assert shapes == {**{f'weight{i}': (c, c, 3, 3)
                         for i, c in enumerate([11, 16, 19, 20, 21, 21, 21])},
                      **{f'bias{i}': (c, ) for i, c in enumerate([11, 16, 19, 20, 21, 21, 21])}}


@pytest.mark.parametrize('split_x', [False, True])
def test_deploy_keeps_dtype_and_memory_format_and_folds_affine_free_norms(split_x):
    torch.manual_seed(0)
    module = randomize_norms(HierarchicalSplit(11, 4)).eval()
    module.convs[1].norm.affine = False  # an affine-free BN: scale 1, shift 0
    module.convs[1].norm.weight, module.convs[1].norm.bias = None, None
    x = torch.randn(2, 44, 9, 9)
    with torch.no_grad():
        ref = module(x)
        fused = fused_copy(module, channel_multiple=8, split_x=split_x)
        assert relative_error(fused(x), ref) < FUSED_RTOL
        double = fused_copy(module.double(), split_x=split_x)
        assert {b.dtype for b in double.buffers()} == {torch.float64}
        assert relative_error(double(x.double()).float(), ref) < FUSED_RTOL
    module = module.float().to(memory_format=torch.channels_last)
    fused = fused_copy(module, split_x=split_x)
    assert all(b.is_contiguous(memory_format=torch.channels_last)
               for b in fused.buffers() if b.dim() == 4)


def test_deploy_bad_inputs():
    with pytest.raises(ValueError, match='channel_multiple must be an int >= 1, got 0'):
        HierarchicalSplit(4, 4).switch_to_deploy(channel_multiple=0)
    with pytest.raises(ValueError, match="split_x must be True or False, got 'false'"):
        HierarchicalSplit(4, 4).switch_to_deploy(split_x='false')
    with pytest.raises(ValueError, match=r'norm_cfg BN / SyncBN.*got Conv2d \+ GroupNorm'):
        HierarchicalSplit(4, 4, norm_cfg=dict(type='GN', num_groups=1)).switch_to_deploy()
    fused = fused_copy(HierarchicalSplit(4, 4))
    with pytest.raises(RuntimeError, match=r'cannot train: call \.eval\(\) first'):
        fused.train()(torch.rand(1, 16, 5, 5))
