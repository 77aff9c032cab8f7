"""What the tools share, above :mod:`mmhsnet.models` (mmdet's ``apis`` plays this role): config
loading and checks, Runner building and launch options, naming and building a model from the
command line, complexity counting, deployment. The library raises :class:`InputError` for bad
input; the tools turn it into one ``error:`` line (:func:`cli_main`)."""
from .config import (check_config, check_data_paths, check_mmhsnet_types,
                     check_pretrained_checkpoints, load_config)
from .deploy import (compare_outputs, export_onnx, has_deploy_path, run_compiled, run_onnx,
                     switch_to_deploy)
from .errors import InputError, cli_main
from .models import (add_deploy_argument, add_model_argument, build_model, build_registered,
                     model_complexity, parse_kwargs, parse_spec)
from .runner import (add_published_result_hook, add_random_state_hook, build_runner,
                     parse_args_with_launch_options)

__all__ = [
    'check_config', 'check_data_paths', 'check_mmhsnet_types', 'check_pretrained_checkpoints',
    'load_config', 'compare_outputs', 'export_onnx', 'has_deploy_path', 'run_compiled',
    'run_onnx', 'switch_to_deploy', 'InputError', 'cli_main', 'add_deploy_argument',
    'add_model_argument', 'build_model', 'build_registered', 'model_complexity', 'parse_kwargs',
    'parse_spec', 'add_published_result_hook', 'add_random_state_hook', 'build_runner',
    'parse_args_with_launch_options'
]
