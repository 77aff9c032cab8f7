"""Weight conversion from other implementations' key layouts to mmhsnet's."""
from .resnest import convert_resnest, detect_layout, infer_depth, load_resnest_checkpoint

__all__ = ['convert_resnest', 'detect_layout', 'infer_depth', 'load_resnest_checkpoint']
