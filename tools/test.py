"""Test (and evaluate) a checkpoint with an mmdet, mmseg, mmpose or mmpretrain config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out RESULTS.pkl] [--show]
                         [--show-dir DIR] [--cfg-options K=V ...] [--launcher ...]
"""
import argparse
import os.path as osp

import mmhsnet  # noqa: F401  (applies the checkpoint-loading fix, see mmhsnet/utils/checkpoint.py)
from mmhsnet.apis import (InputError, add_published_result_hook, build_runner, check_config,
                          cli_main, load_config, parse_args_with_launch_options)

# How each toolkit's visualization hook is switched on and told where to save pictures.
_VIS_HOOKS = {
    'DetVisualizationHook': ('draw', 'test_out_dir'),
    'SegVisualizationHook': ('draw', None),  # mmseg saves through visualizer.save_dir
    'PoseVisualizationHook': ('enable', 'out_dir'),
    'VisualizationHook': ('enable', 'out_dir'),  # mmpretrain's
}


def parse_args():
    parser = argparse.ArgumentParser(description='Test a model with an mmhsnet backbone')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out', help='dump predictions to a pickle file (.pkl) for offline evaluation')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images of every test image will be saved (mmdet and '
        'mmpose configs put a relative path under work_dir/timestamp)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    return parse_args_with_launch_options(parser)


def enable_visualization(cfg, args):
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None or hook.get('type') not in _VIS_HOOKS:
        raise InputError('--show/--show-dir need a visualization hook in default_hooks '
                         f'(one of {sorted(_VIS_HOOKS)})')
    switch, out_key = _VIS_HOOKS[hook['type']]
    hook[switch] = True
    if hook['type'] in ('SegVisualizationHook', 'VisualizationHook'):
        # mmseg's and mmpretrain's hooks draw every 50th / 5000th image unless told otherwise;
        # draw every image, as the mmdet and mmpose hooks do in testing
        hook.setdefault('interval', 1)
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        if out_key is None:
            cfg.visualizer['save_dir'] = args.show_dir
        else:
            hook[out_key] = args.show_dir


@cli_main
def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if not osp.isfile(args.checkpoint):
        raise InputError(f'checkpoint {args.checkpoint!r} does not exist')
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise InputError(f'--out must be a .pkl or .pickle file, got {args.out!r}')
        dump = dict(type='DumpDetResults' if cfg.get('default_scope') == 'mmdet' else
                    'DumpResults', out_file_path=args.out)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = [*evaluator, dump] if isinstance(evaluator, list) else [
            evaluator, dump]

    add_published_result_hook(cfg)
    check_config(cfg, ('test', ))
    runner = build_runner(cfg)
    runner.test()


if __name__ == '__main__':
    main()
