from .checkpoint import (apply_mmengine_compat, check_pretrained_exists, check_pretrained_fits,
                         check_state_dict, load_weights, missing_pretrained_checkpoint,
                         needs_mmengine_compat)
from .launch import (build_runner, check_config, check_data_paths, check_mmhsnet_types,
                     check_pretrained_checkpoints, load_config, parse_args_with_launch_options)

__all__ = [
    'apply_mmengine_compat', 'check_pretrained_exists', 'check_pretrained_fits',
    'check_state_dict', 'load_weights', 'missing_pretrained_checkpoint', 'needs_mmengine_compat',
    'build_runner', 'check_config', 'check_data_paths', 'check_mmhsnet_types',
    'check_pretrained_checkpoints', 'load_config', 'parse_args_with_launch_options'
]
