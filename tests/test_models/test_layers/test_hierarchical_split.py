import pytest
import torch
import torch.nn as nn

from mmhsnet.models.layers import HierarchicalSplit, hierarchical_split_channels


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
