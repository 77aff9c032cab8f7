"""Convert an official (zhanghang1989/ResNeSt), timm or mmpose ResNeSt checkpoint to mmhsnet.

    python tools/model_converters/resnest2mmhsnet.py SRC DST --depth 50

The result loads into ``mmhsnet.ResNeSt(depth=...)`` (and mmdet's ``ResNeSt``) with
``strict=True``, e.g. through ``init_cfg=dict(type='Pretrained', checkpoint=DST)``.
"""
import argparse
import os
import os.path as osp

import torch

from mmhsnet.models import ResNeSt
from mmhsnet.models.converters import load_resnest_checkpoint


def parse_args():
    parser = argparse.ArgumentParser(description='Convert a ResNeSt checkpoint to mmhsnet')
    parser.add_argument('src', help='source checkpoint (official, timm, mmpose or mmdet layout)')
    parser.add_argument('dst', help='where to save the converted weights')
    parser.add_argument(
        '--depth', type=int, required=True, choices=sorted(ResNeSt.arch_settings),
        help='ResNeSt depth the checkpoint is for')
    return parser.parse_args()


def main():
    args = parse_args()
    model = ResNeSt(depth=args.depth)
    try:
        state_dict, unconverted, layout = load_resnest_checkpoint(args.src, model)
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}')
    print(f'{args.src}: {layout} layout, {len(state_dict)} tensors converted')
    if unconverted:
        print(f'not converted (not part of the backbone): {", ".join(unconverted)}')
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save(dict(state_dict=state_dict, meta=dict(converted_from=layout)), args.dst)
    print(f'saved to {args.dst}')


if __name__ == '__main__':
    main()
