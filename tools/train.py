"""Train a model from an mmdet, mmseg, mmpose or mmpretrain config (``default_scope`` decides).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--auto-scale-lr]
                                 [--cfg-options K=V ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse

import mmhsnet  # noqa: F401  (applies the checkpoint-loading fix, see mmhsnet/utils/checkpoint.py)
from mmhsnet.apis import (InputError, add_published_result_hook, add_random_state_hook,
                          build_runner, check_config, cli_main, load_config,
                          parse_args_with_launch_options)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model with an mmhsnet backbone')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='enable automatically scaling LR')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a path, from the latest '
        'checkpoint in the work directory')
    return parse_args_with_launch_options(parser)


@cli_main
def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)

    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        if not {'enable', 'base_batch_size'} <= set(cfg.get('auto_scale_lr') or {}):
            raise InputError('--auto-scale-lr needs auto_scale_lr=dict(enable=..., '
                             'base_batch_size=...) in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    # Resuming gives the weights an uninterrupted run would have (see mmhsnet/engine/hooks.py).
    add_random_state_hook(cfg)
    add_published_result_hook(cfg)

    check_config(cfg, ('train', 'val'))
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
