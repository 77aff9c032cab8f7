"""Write the fused inference form of a trained model (mmpretrain's ``reparameterize_model.py``).

    python tools/model_converters/reparameterize_model.py MODEL CHECKPOINT OUT \
        [--deploy KEY=VALUE,...] [--cfg-options K=V ...]

    # a detector trained with an HS-ResNet-50 backbone
    python tools/model_converters/reparameterize_model.py \
        configs/faster_rcnn_hsr50_fpn_1x_coco.py epoch_12.pth epoch_12_deploy.pth
    python tools/test.py configs/faster_rcnn_hsr50_fpn_1x_coco.py epoch_12_deploy.pth \
        --cfg-options model.backbone.deploy=True

MODEL is a config file (its whole model) or a backbone (``scope.Type[:key=value,...]``), named
as in every mmhsnet tool. The weights are loaded strictly, every module with a fused form (an
HS-ResNet backbone: each hierarchical split, BN folded into its convs) is switched, and the
state dict is saved (weights only). It loads strictly into the same model built with
``deploy=True`` (and the same ``fuse_cfg``), which the tool prints, and gives its outputs to
float rounding.
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import DictAction

import mmhsnet  # noqa: F401  (registers the mmhsnet:: config scope)
from mmhsnet.apis import (InputError, add_deploy_argument, add_model_argument, build_model,
                          cli_main, parse_kwargs, switch_to_deploy)
from mmhsnet.utils import load_weights, unwrap_state_dict


def parse_args():
    parser = argparse.ArgumentParser(description='Write the fused inference form of a model')
    add_model_argument(parser, backbone=False)
    parser.add_argument('checkpoint', help='the trained weights (a checkpoint of MODEL)')
    parser.add_argument('out', help='where to save the fused weights')
    add_deploy_argument(parser)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='with a config: override its settings')
    return parser.parse_args()


@cli_main
def main():
    args = parse_args()
    model = build_model(args.model, backbone=False, cfg_options=args.cfg_options)
    try:
        state_dict = unwrap_state_dict(load_weights(args.checkpoint))
        model.load_state_dict(state_dict, strict=True)
    except (FileNotFoundError, RuntimeError, ValueError) as e:
        raise InputError(f'checkpoint {args.checkpoint!r} does not load into {args.model}: '
                         f'{e}') from None
    fuse_cfg = parse_kwargs(args.deploy or '', what='--deploy option')
    try:
        switch_to_deploy(model.eval(), **fuse_cfg)
    except (TypeError, ValueError) as e:
        raise InputError(f'{args.model}: {e}') from None
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(deploy=True, fuse_cfg=fuse_cfg)),
               args.out)
    where = 'model.backbone.' if args.model.endswith('.py') else ''
    options = [f'{where}deploy=True'] + [f'{where}fuse_cfg.{k}={v}' for k, v in fuse_cfg.items()]
    print(f'saved the fused weights to {args.out}; they load into the model built with '
          f"{' '.join(options)}")


if __name__ == '__main__':
    main()
