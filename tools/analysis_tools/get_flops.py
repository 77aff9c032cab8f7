"""Parameters and FLOPs (mmengine.analysis) of a backbone or of a whole model from a config.

    # a backbone given by type and arguments (any registry scope: mmhsnet., mmdet., ...)
    python tools/analysis_tools/get_flops.py --backbone mmhsnet.HSResNet --args depth=50 scales=8
    python tools/analysis_tools/get_flops.py --backbone mmdet.ResNetV1d --args depth=50
    # the backbone, or the whole model, of a config
    python tools/analysis_tools/get_flops.py configs/faster_rcnn_hsr50_fpn_1x_coco.py \
        --backbone-only --shape 224 224

FLOPs are counted as mmengine counts them: one multiply-add is one FLOP.
"""
import argparse

from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, init_default_scope

import mmhsnet.models  # noqa: F401
from mmhsnet.utils.analysis import build_registered, model_complexity


def parse_args():
    parser = argparse.ArgumentParser(description='Count parameters and FLOPs')
    parser.add_argument('config', nargs='?', help='config file (or use --backbone)')
    parser.add_argument('--backbone', help="registry type, e.g. 'mmhsnet.HSResNet'")
    parser.add_argument('--args', nargs='+', action=DictAction, default={},
                        help='keyword arguments of --backbone, e.g. depth=50')
    parser.add_argument('--backbone-only', action='store_true',
                        help="with a config: count the config's backbone only")
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        help='input size H W (or one number for a square)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    if (args.config is None) == (args.backbone is None):
        parser.error('give either a config or --backbone')
    if len(args.shape) == 1:
        args.shape = args.shape * 2
    return args


def main():
    args = parse_args()
    if args.backbone:
        model = build_registered(args.backbone, **args.args)
        name = args.backbone
    else:
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        init_default_scope(cfg.get('default_scope', 'mmhsnet'))
        if args.backbone_only:
            model = MODELS.build(cfg.model.backbone)
        else:
            model = MODELS.build(cfg.model)
            if hasattr(model, '_forward'):  # toolkits' BaseModel: count the tensor forward
                model.forward = model._forward
        name = args.config
    params, flops = model_complexity(model, args.shape)
    print(f'{name}\n  input: 1x3x{args.shape[0]}x{args.shape[1]}\n'
          f'  params: {params / 1e6:.2f} M\n  FLOPs: {flops / 1e9:.2f} G')


if __name__ == '__main__':
    main()
