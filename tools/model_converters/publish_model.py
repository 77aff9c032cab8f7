"""Turn a training checkpoint into the file to publish (OpenMMLab's ``publish_model.py``).

    python tools/model_converters/publish_model.py IN_FILE OUT_FILE

    python tools/model_converters/publish_model.py \
        work_dirs/hsresnet50_8xb32_in1k/epoch_100.pth checkpoints/hsresnet50_8xb32_in1k.pth
    # -> checkpoints/hsresnet50_8xb32_in1k-<sha256[:8]>.pth

Keeps the weights (``state_dict``) and the plain part of ``meta``; drops the optimizer, the
parameter schedulers and the message hub, so that the file loads with
``torch.load(weights_only=True)`` (as ``init_cfg=dict(type='Pretrained', ...)`` loads it). The
first 8 hex digits of the file's sha256 are appended to its name; the final path is printed.
A published ImageNet classifier initialises the backbone of every downstream config of its
family with ``init_cfg=dict(type='Pretrained', checkpoint=FILE, prefix='backbone.')``.
"""
import argparse

from mmhsnet.apis import InputError, cli_main
from mmhsnet.utils import publish_checkpoint


def parse_args():
    parser = argparse.ArgumentParser(description='Process a checkpoint to be published')
    parser.add_argument('in_file', help='input checkpoint filename')
    parser.add_argument('out_file', help='output checkpoint filename (.pth)')
    return parser.parse_args()


@cli_main
def main():
    args = parse_args()
    try:
        final = publish_checkpoint(args.in_file, args.out_file)
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        raise InputError(f'{args.in_file}: {e}') from None
    print(final)


if __name__ == '__main__':
    main()
