"""Low-level helpers below :mod:`mmhsnet.models`: loading and converting weights, building
blocks shared by the models, config walking, the ``mmhsnet::`` config scope. Nothing here
imports :mod:`mmhsnet.models` or the tools' helpers (:mod:`mmhsnet.apis`)."""
from .checkpoint import (apply_mmengine_compat, backbone_state_dict, blocks_per_stage,
                         check_pretrained_exists, check_pretrained_fits, check_state_dict,
                         load_weights, missing_pretrained_checkpoint, needs_mmengine_compat,
                         publish_checkpoint, unwrap_state_dict)
from .cnn import checkpoint_forward, conv_module, dcn_conv_cfg
from .config import iter_key, leaf_datasets

__all__ = [
    'apply_mmengine_compat', 'backbone_state_dict', 'blocks_per_stage',
    'check_pretrained_exists', 'check_pretrained_fits', 'check_state_dict', 'load_weights',
    'missing_pretrained_checkpoint', 'needs_mmengine_compat', 'publish_checkpoint',
    'unwrap_state_dict',
    'checkpoint_forward', 'conv_module', 'dcn_conv_cfg', 'iter_key', 'leaf_datasets'
]
