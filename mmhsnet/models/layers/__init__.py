from .channel_weighting import (ConditionalChannelWeighting, CrossResolutionWeighting,
                                SpatialWeighting)
from .hierarchical_split import HierarchicalSplit, hierarchical_split_channels
from .split_attention import RSoftmax, SplitAttentionConv2d

__all__ = [
    'ConditionalChannelWeighting', 'CrossResolutionWeighting', 'SpatialWeighting',
    'HierarchicalSplit', 'hierarchical_split_channels', 'RSoftmax', 'SplitAttentionConv2d'
]
