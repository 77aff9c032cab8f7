"""Export a backbone to ONNX and check it with onnxruntime; check that ``torch.compile`` runs it.

    # HS-ResNet-50 to ONNX (dynamic batch and size), verified with onnxruntime
    python tools/deployment/export.py mmhsnet.HSResNet:depth=50 --onnx hsr50.onnx
    # with its weights, the fused inference form, and a torch.compile check
    python tools/deployment/export.py mmhsnet.HSResNet:depth=50 --checkpoint hsr50.pth \
        --deploy --onnx hsr50.onnx --compile
    # the backbone of a config, fused with channels padded to multiples of 8
    python tools/deployment/export.py configs/faster_rcnn_hsr50_fpn_1x_coco.py \
        --checkpoint epoch_12.pth --deploy channel_multiple=8 --onnx hsr50.onnx

MODEL is named as in every mmhsnet tool (:mod:`mmhsnet.apis.models`): a config file (its
backbone), ``scope.Type[:key=value,...]`` or ``timm:name``. ``--checkpoint`` takes the
backbone's weights or a whole model's (its ``backbone.`` part). Every
ONNX output is compared with eager PyTorch on the export shape and on a second batch size and
input size, the compiled model (``fullgraph=True``: no graph breaks) on the export shape; the
script exits with status 1 when an error exceeds ``--tolerance`` (relative to the
output's largest magnitude).
"""
import argparse
import sys
import time

import torch

from mmhsnet.apis import (InputError, add_deploy_argument, add_model_argument, build_model,
                          cli_main, compare_outputs, export_onnx, parse_kwargs, run_compiled,
                          run_onnx, switch_to_deploy)
from mmhsnet.utils import backbone_state_dict, check_state_dict, load_weights


def parse_args():
    parser = argparse.ArgumentParser(description='Export a backbone to ONNX / torch.compile')
    add_model_argument(parser)
    parser.add_argument('--checkpoint', help="the backbone's weights or a whole model's "
                        '(safely loaded, checked against the backbone)')
    parser.add_argument('--shape', type=int, nargs=2, default=[224, 224], metavar=('H', 'W'),
                        help='input size of the export (a second size is checked too)')
    add_deploy_argument(parser)
    parser.add_argument('--onnx', help='write the ONNX model here and check it')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset version')
    parser.add_argument('--compile', action='store_true', help='check torch.compile')
    parser.add_argument('--compile-backend', default='inductor',
                        help="torch.compile backend ('inductor' generates code; 'aot_eager' "
                        'only traces, in seconds)')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest error allowed, relative to the largest output magnitude')
    args = parser.parse_args()
    if not args.onnx and not args.compile:
        parser.error('nothing to do: give --onnx FILE and/or --compile')
    return args


@cli_main
def main():
    args = parse_args()
    model = build_model(args.model).eval()
    if args.checkpoint:
        try:
            state_dict = backbone_state_dict(load_weights(args.checkpoint))
            check_state_dict(state_dict, model, allow_unexpected=True)
        except (FileNotFoundError, RuntimeError, ValueError) as e:
            raise InputError(f'--checkpoint {args.checkpoint!r}: {e}') from None
        model.load_state_dict(state_dict, strict=False)
    if args.deploy is not None:
        try:
            switch_to_deploy(model, **parse_kwargs(args.deploy, what='--deploy option'))
        except (TypeError, ValueError) as exc:
            raise InputError(f'--deploy: {exc}') from None
    h, w = args.shape
    # a second batch size and input size (multiples of 32 when the first is)
    inputs = [torch.rand(1, 3, h, w), torch.rand(2, 3, max(32, h - 64), w + 32)]
    with torch.no_grad():
        expected = [model(x) for x in inputs]

    worst = 0.0
    if args.onnx:
        start = time.perf_counter()
        names = export_onnx(model, inputs[0], args.onnx, opset=args.opset)
        print(f'exported {args.onnx} ({len(names)} outputs: {", ".join(names)}) in '
              f'{time.perf_counter() - start:.1f} s')
        for x, ref in zip(inputs, expected):
            err = compare_outputs(run_onnx(args.onnx, x), ref)
            worst = max(worst, err)
            print(f'  onnxruntime vs PyTorch, input {tuple(x.shape)}: max relative error '
                  f'{err:.2e}')
    if args.compile:
        start = time.perf_counter()
        out = run_compiled(model, inputs[0], backend=args.compile_backend)
        err = compare_outputs(out, expected[0])
        worst = max(worst, err)
        print(f'torch.compile ({args.compile_backend}, one graph) ran in '
              f'{time.perf_counter() - start:.1f} s (including compilation)\n'
              f'  compiled vs eager, input {tuple(inputs[0].shape)}: max relative error '
              f'{err:.2e}')
    ok = worst <= args.tolerance
    print(f'{"OK" if ok else "FAILED"}: worst error {worst:.2e} (tolerance {args.tolerance:.0e})')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
