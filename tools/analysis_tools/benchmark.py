"""Forward latency and throughput of backbones, with baselines measured in the same process.

    # mmhsnet backbones against the default baselines, CPU, fp32
    python tools/analysis_tools/benchmark.py mmhsnet.HSResNet:depth=50 mmhsnet.ResNeSt:depth=50
    # GPU, fp16 autocast, channels_last, two batch sizes, a plot
    python tools/analysis_tools/benchmark.py mmhsnet.HSResNet:depth=50 --device cuda \
        --dtype fp16 --channels-last --batch-sizes 1 64 --plot bench.png

A model is ``scope.Type[:key=value,...]`` (built from that toolkit's registry) or
``timm:name`` (``timm.create_model(name, features_only=True)``). Baselines (``--baselines``,
default: mmdet's ResNet-50, ResNet-50-D, Res2Net-50, ResNeSt-50 and mmpose's Lite-HRNet-18;
their timm counterparts where the toolkits are not installed) always run in the same process,
interleaved with the models, so ratios compare like with like. Reported: parameters, FLOPs
(mmengine.analysis, one multiply-add = one FLOP, batch 1), median latency of ``--repeats``
timed forward passes after ``--warmup`` ones, throughput = batch / median latency, and the
throughput ratio to the reference (ResNet-50-D).
"""
import argparse
import importlib.util
import platform
import statistics
import time

import torch

from mmhsnet.utils.analysis import build_from_spec, model_complexity

TOOLKIT_BASELINES = [
    ('ResNet-50', 'mmdet.ResNet:depth=50'),
    ('ResNet-50-D', 'mmdet.ResNetV1d:depth=50'),
    ('Res2Net-50', 'mmdet.Res2Net:depth=50,scales=4,base_width=26'),
    ('ResNeSt-50 (mmdet)', 'mmdet.ResNeSt:depth=50,stem_channels=64'),
    ('Lite-HRNet-18 (mmpose)', 'mmpose.LiteHRNet:arch=18'),
]
TIMM_BASELINES = [
    ('ResNet-50', 'timm:resnet50'),
    ('ResNet-50-D', 'timm:resnet50d'),
    ('Res2Net-50', 'timm:res2net50_26w_4s'),
    ('ResNeSt-50 (timm)', 'timm:resnest50d'),
    ('HRNet-W18-small-v2 (timm)', 'timm:hrnet_w18_small_v2'),
]
REFERENCE = 'ResNet-50-D'


def parse_args():
    parser = argparse.ArgumentParser(description='Benchmark backbones against baselines')
    parser.add_argument('models', nargs='*', help='scope.Type[:k=v,...] or timm:name')
    parser.add_argument('--baselines', choices=['auto', 'toolkits', 'timm', 'none'],
                        default='auto', help='which baselines run beside the models')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    parser.add_argument('--dtype', choices=['fp32', 'fp16', 'bf16'], default='fp32',
                        help='fp16 / bf16 run under torch.autocast')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[8])
    parser.add_argument('--shape', type=int, nargs=2, default=[224, 224], metavar=('H', 'W'))
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--threads', type=int, help='torch.set_num_threads (CPU)')
    parser.add_argument('--plot', help='save a throughput-vs-params plot (png)')
    parser.add_argument('--out', help='also write the markdown table to this file')
    return parser.parse_args()


def default_baselines(choice):
    if choice == 'none':
        return []
    have_toolkits = all(importlib.util.find_spec(m) for m in ('mmdet', 'mmpose'))
    if choice == 'toolkits' or (choice == 'auto' and have_toolkits):
        return TOOLKIT_BASELINES
    return TIMM_BASELINES


def time_forward(model, x, args):
    """Median seconds of one forward pass."""
    cuda = x.is_cuda
    dtype = {'fp16': torch.float16, 'bf16': torch.bfloat16}.get(args.dtype)
    times = []
    with torch.inference_mode(), torch.autocast(x.device.type, dtype=dtype,
                                                enabled=dtype is not None):
        for i in range(args.warmup + args.repeats):
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            model(x)
            if cuda:
                torch.cuda.synchronize()
            if i >= args.warmup:
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    entries = [(spec, spec) for spec in args.models] + default_baselines(args.baselines)
    if not entries:
        raise SystemExit('error: nothing to benchmark (give models or baselines)')
    device = torch.device(args.device)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    models = {}
    for label, spec in entries:
        model = build_from_spec(spec)
        params, flops = model_complexity(model, args.shape)
        model.to(device, memory_format=memory_format)
        model.eval()  # not chained: some toolkit backbones' train() returns None
        models[label] = (model, params, flops)

    results = {label: {} for label in models}
    for batch in args.batch_sizes:
        x = torch.rand(batch, 3, *args.shape, device=device).to(memory_format=memory_format)
        # interleave: one round over all models, twice, keep the better median of each
        for _ in range(2):
            for label, (model, _, _) in models.items():
                latency = time_forward(model, x, args)
                results[label][batch] = min(results[label].get(batch, latency), latency)

    device_name = (torch.cuda.get_device_name(device) if device.type == 'cuda' else
                   platform.processor() or platform.machine())
    lines = [
        f'device: {device_name}; torch {torch.__version__}; {args.dtype}'
        f'{", channels_last" if args.channels_last else ""}; input {args.shape[0]}x'
        f'{args.shape[1]}; threads {torch.get_num_threads()}; median of {args.repeats} after '
        f'{args.warmup} warm-up', ''
    ]
    header = '| model | params (M) | FLOPs (G) |'
    rule = '|---|---|---|'
    for batch in args.batch_sizes:
        header += f' latency b{batch} (ms) | img/s b{batch} | ratio b{batch} |'
        rule += '---|---|---|'
    lines += [header, rule]
    ref = results.get(REFERENCE)
    for label, (_, params, flops) in models.items():
        row = f'| {label} | {params / 1e6:.2f} | {flops / 1e9:.2f} |'
        for batch in args.batch_sizes:
            latency = results[label][batch]
            ratio = f'{ref[batch] / latency:.2f}x' if ref else 'n/a'
            row += f' {latency * 1e3:.1f} | {batch / latency:.1f} | {ratio} |'
        lines.append(row)
    table = '\n'.join(lines)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    if args.plot:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        batch = args.batch_sizes[-1]
        fig, ax = plt.subplots(figsize=(6, 4))
        for label, (_, params, _) in models.items():
            ax.scatter(params / 1e6, batch / results[label][batch])
            ax.annotate(label, (params / 1e6, batch / results[label][batch]), fontsize=7)
        ax.set_xlabel('parameters (M)')
        ax.set_ylabel(f'throughput, batch {batch} (img/s)')
        ax.set_title(f'{device_name}, {args.dtype}')
        fig.tight_layout()
        fig.savefig(args.plot, dpi=150)


if __name__ == '__main__':
    main()
