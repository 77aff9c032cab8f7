"""Convert an official (zhanghang1989/ResNeSt), timm or mmpose ResNeSt checkpoint to mmhsnet.

    python tools/model_converters/resnest2mmhsnet.py SRC DST [--depth 50]

The depth is read from the checkpoint (its blocks per stage); ``--depth`` checks it. The result
loads into ``mmhsnet.ResNeSt(depth=...)`` (and mmdet's ``ResNeSt``) with ``strict=True``, e.g.
through ``init_cfg=dict(type='Pretrained', checkpoint=DST)``.
"""
import argparse
import os
import os.path as osp

import torch

from mmhsnet.apis import InputError, cli_main
from mmhsnet.models import ResNeSt
from mmhsnet.utils import check_state_dict, load_weights
from mmhsnet.utils.converters import convert_resnest, infer_depth


def parse_args():
    parser = argparse.ArgumentParser(description='Convert a ResNeSt checkpoint to mmhsnet')
    parser.add_argument('src', help='source checkpoint (official, timm, mmpose or mmdet layout)')
    parser.add_argument('dst', help='where to save the converted weights')
    parser.add_argument(
        '--depth', type=int, choices=sorted(ResNeSt.arch_settings),
        help='check that the checkpoint is of this depth (default: read from the checkpoint)')
    return parser.parse_args()


@cli_main
def main():
    args = parse_args()
    try:
        state_dict, unconverted, layout = convert_resnest(load_weights(args.src))
        depth = infer_depth(state_dict, ResNeSt.arch_settings)
        if args.depth is not None and args.depth != depth:
            # check_state_dict names the blocks per stage of both
            check_state_dict(state_dict, ResNeSt(depth=args.depth))
        check_state_dict(state_dict, ResNeSt(depth=depth))
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        raise InputError(f'{args.src}: {e}') from None
    print(f'{args.src}: {layout} layout, ResNeSt-{depth}, {len(state_dict)} tensors converted')
    if unconverted:
        print(f'not converted (not part of the backbone): {", ".join(unconverted)}')
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save(dict(state_dict=state_dict, meta=dict(converted_from=layout, depth=depth)),
               args.dst)
    print(f'saved to {args.dst}')


if __name__ == '__main__':
    main()
