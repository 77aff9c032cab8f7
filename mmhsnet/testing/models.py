"""Model helpers for tests and benchmarks."""
import torch
import torch.nn as nn


def randomize_norms(model, seed=0, weight_range=(0.5, 1.5)):
    """Give every ``BatchNorm2d`` non-trivial statistics and affine parameters, so that copying
    norms between implementations matters when their outputs are compared.

    Args:
        model (nn.Module): Modified in place.
        seed (int): Seed of the generator the values are drawn from. Default: 0.
        weight_range (tuple[float, float]): Range of the norm weights. Default: (0.5, 1.5).

    Returns:
        nn.Module: ``model``.
    """
    gen = torch.Generator().manual_seed(seed)
    low, high = weight_range
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
            m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) * (high - low) + low)
            m.bias.data.copy_(torch.rand(n, generator=gen) * 0.4 - 0.2)
    return model
