from .hierarchical_split import HierarchicalSplit, hierarchical_split_channels
from .split_attention import RSoftmax, SplitAttentionConv2d

__all__ = ['HierarchicalSplit', 'hierarchical_split_channels', 'RSoftmax', 'SplitAttentionConv2d']
