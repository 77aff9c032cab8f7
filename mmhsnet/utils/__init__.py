from .checkpoint import (apply_mmengine_compat, check_pretrained_exists, load_weights,
                         missing_pretrained_checkpoint, needs_mmengine_compat)
from .launch import (build_runner, check_pretrained_checkpoints, load_config,
                     parse_args_with_launch_options)

__all__ = [
    'apply_mmengine_compat', 'check_pretrained_exists', 'load_weights',
    'missing_pretrained_checkpoint', 'needs_mmengine_compat', 'build_runner',
    'check_pretrained_checkpoints', 'load_config', 'parse_args_with_launch_options'
]
