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

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, DefaultScope, init_default_scope

import mmhsnet.models  # noqa: F401


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


def build_backbone(type_name, **kwargs):
    """Build ``type_name`` ('scope.Type') from its toolkit's registry."""
    scope = type_name.split('.')[0] if '.' in type_name else 'mmhsnet'
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(dict(type=type_name, **kwargs))


def complexity(model, shape):
    """``(params, flops)`` of ``model`` on a ``(1, 3, H, W)`` input."""
    model.eval()
    with torch.no_grad():
        info = get_model_complexity_info(
            model, inputs=(torch.rand(1, 3, *shape), ), show_table=False, show_arch=False)
    return info['params'], info['flops']


def main():
    args = parse_args()
    if args.backbone:
        model = build_backbone(args.backbone, **args.args)
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
    params, flops = complexity(model, args.shape)
    print(f'{name}\n  input: 1x3x{args.shape[0]}x{args.shape[1]}\n'
          f'  params: {params / 1e6:.2f} M\n  FLOPs: {flops / 1e9:.2f} G')


if __name__ == '__main__':
    main()
