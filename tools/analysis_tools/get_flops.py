"""Parameters and FLOPs (mmengine.analysis) of a model, a backbone or a config's model.

    # a backbone given by type and arguments (any registry scope: mmhsnet., mmdet., ...)
    python tools/analysis_tools/get_flops.py mmhsnet.HSResNet:depth=50,scales=8
    python tools/analysis_tools/get_flops.py mmdet.ResNetV1d:depth=50
    # the whole model of a config, or its backbone only
    python tools/analysis_tools/get_flops.py configs/faster_rcnn_hsr50_fpn_1x_coco.py \
        --backbone-only --shape 224 224

MODEL is named as in every mmhsnet tool (see :mod:`mmhsnet.apis.models`). FLOPs are counted
as mmengine counts them: one multiply-add is one FLOP.
"""
import argparse

from mmengine.config import DictAction

from mmhsnet.apis import (InputError, add_deploy_argument, add_model_argument, build_model,
                          cli_main, model_complexity, parse_kwargs, switch_to_deploy)


def parse_args():
    parser = argparse.ArgumentParser(description='Count parameters and FLOPs')
    add_model_argument(parser, backbone=False)
    parser.add_argument('--backbone-only', action='store_true',
                        help="with a config: count the config's backbone only")
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        help='input size H W (or one number for a square)')
    add_deploy_argument(parser)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='with a config: override its settings, e.g. model.backbone.depth=101')
    args = parser.parse_args()
    if len(args.shape) == 1:
        args.shape = args.shape * 2
    if len(args.shape) != 2:
        parser.error(f'--shape takes H W or one number, got {args.shape}')
    return args


@cli_main
def main():
    args = parse_args()
    if not args.model.endswith('.py') and (args.backbone_only or args.cfg_options):
        raise InputError('--backbone-only and --cfg-options need a config file as MODEL')
    model = build_model(args.model, backbone=args.backbone_only, cfg_options=args.cfg_options)
    if args.deploy is not None:
        try:
            switch_to_deploy(model, **parse_kwargs(args.deploy, what='--deploy option'))
        except (TypeError, ValueError) as e:
            raise InputError(f'--deploy {args.deploy!r}: {e}') from None
    if hasattr(model, '_forward'):  # toolkits' BaseModel: count the tensor forward
        model.forward = model._forward
    params, flops = model_complexity(model, args.shape)
    print(f'{args.model}\n  input: 1x3x{args.shape[0]}x{args.shape[1]}\n'
          f'  params: {params / 1e6:.2f} M\n  FLOPs: {flops / 1e9:.2f} G')


if __name__ == '__main__':
    main()
