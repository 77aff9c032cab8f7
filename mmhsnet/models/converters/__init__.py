from .resnest import convert_resnest, detect_layout, load_resnest_checkpoint

__all__ = ['convert_resnest', 'detect_layout', 'load_resnest_checkpoint']
