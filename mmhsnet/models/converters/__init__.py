from .resnest import check_state_dict, convert_resnest, detect_layout, load_resnest_checkpoint

__all__ = ['check_state_dict', 'convert_resnest', 'detect_layout', 'load_resnest_checkpoint']
