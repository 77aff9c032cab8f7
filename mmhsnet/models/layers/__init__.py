from .hierarchical_split import HierarchicalSplit, hierarchical_split_channels

__all__ = ['HierarchicalSplit', 'hierarchical_split_channels']
