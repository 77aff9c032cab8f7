"""Forward latency and throughput of backbones, with baselines measured in the same process.

    # mmhsnet backbones against the default baselines, CPU, fp32
    python tools/analysis_tools/benchmark.py mmhsnet.HSResNet:depth=50 mmhsnet.ResNeSt:depth=50
    # GPU, fp16 (models and inputs cast, as deployed), channels_last, two batch sizes, a plot
    python tools/analysis_tools/benchmark.py mmhsnet.HSResNet:depth=50 --device cuda \
        --dtype fp16 --channels-last --batch-sizes 1 64 --plot bench.png
    # also HS-ResNet's fused inference form, as built and with channels padded to multiples of
    # 8, and every model (baselines too) under torch.compile with CUDA graphs
    python tools/analysis_tools/benchmark.py mmhsnet.HSResNet:depth=50 --device cuda \
        --dtype fp16 --channels-last --deploy --deploy channel_multiple=8 \
        --compile reduce-overhead

MODEL is named as in every mmhsnet tool (:mod:`mmhsnet.apis.models`): a config file (its
backbone), ``scope.Type[:key=value,...]`` or ``timm:name``. Baselines (``--baselines``,
default: mmdet's ResNet-50, ResNet-50-D, Res2Net-50, ResNeSt-50 and mmpose's Lite-HRNet-18;
their timm counterparts where the toolkits are not installed) always run in the same process,
interleaved with the models, so ratios compare like with like. Reported: parameters, FLOPs
(mmengine.analysis, one multiply-add = one FLOP, batch 1), median latency of ``--repeats``
timed forward passes after ``--warmup`` ones, throughput = batch / median latency, and the
throughput ratio to the reference (ResNet-50-D). Each ``--deploy [KEY=VALUE,...]`` adds a row
for the fused inference form (``switch_to_deploy``) of each model that has one, beside its
reference path (with the reference's parameters and FLOPs); ``--compile`` compiles every model,
the baselines too, and reports how long the first call (the compilation; CUDA graphs are
recorded in the warm-up calls after it) took.
"""
import argparse
import copy
import importlib.util
import platform
import statistics
import time

import torch

from mmhsnet.apis import (InputError, add_deploy_argument, add_model_argument, build_model,
                          cli_main, has_deploy_path, model_complexity, parse_kwargs,
                          switch_to_deploy)

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
DTYPES = {'fp32': torch.float32, 'fp16': torch.float16, 'bf16': torch.bfloat16}


def parse_args():
    parser = argparse.ArgumentParser(description='Benchmark backbones against baselines')
    add_model_argument(parser, name='models', nargs='*')
    parser.add_argument('--baselines', choices=['auto', 'toolkits', 'timm', 'reference', 'none'],
                        default='auto', help='which baselines run beside the models (reference: '
                        'only ResNet-50-D)')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    parser.add_argument('--dtype', choices=['fp32', 'fp16', 'bf16'], default='fp32',
                        help='fp16 / bf16: every model (its weights and buffers, a fused form\'s '
                        'too) and the input are cast to it, as a deployment runs')
    parser.add_argument('--autocast', action='store_true',
                        help='with --dtype fp16 / bf16: keep the models in fp32 and run them '
                        'under torch.autocast instead, as mixed-precision training does')
    parser.add_argument('--channels-last', action='store_true',
                        help='models and inputs in channels-last memory')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[8],
                        help='batch sizes to time')
    parser.add_argument('--shape', type=int, nargs=2, default=[224, 224], metavar=('H', 'W'),
                        help='input size')
    parser.add_argument('--warmup', type=int, default=5, help='untimed forwards per model')
    parser.add_argument('--repeats', type=int, default=20, help='timed forwards per model')
    parser.add_argument('--threads', type=int, help='torch.set_num_threads (CPU)')
    add_deploy_argument(parser, multiple=True)
    parser.add_argument('--compile', nargs='?', const='default',
                        choices=['default', 'reduce-overhead', 'max-autotune',
                                 'max-autotune-no-cudagraphs'],
                        help='torch.compile every model with this mode (reduce-overhead: '
                        'CUDA graphs)')
    parser.add_argument('--compile-backend', default='inductor',
                        help="torch.compile backend ('inductor' generates code; 'aot_eager' "
                        'only traces)')
    parser.add_argument('--plot', help='save a throughput-vs-params plot (png)')
    parser.add_argument('--out', help='also write the markdown table to this file')
    return parser.parse_args()


def default_baselines(choice):
    if choice == 'none':
        return []
    have_toolkits = all(importlib.util.find_spec(m) for m in ('mmdet', 'mmpose'))
    if choice == 'toolkits' or (choice in ('auto', 'reference') and have_toolkits):
        baselines = TOOLKIT_BASELINES
    else:
        baselines = TIMM_BASELINES
    if choice == 'reference':
        return [entry for entry in baselines if entry[0] == REFERENCE]
    return baselines


def time_forward(model, x, args, warmup=None, repeats=None):
    """Median seconds of one forward pass."""
    warmup = args.warmup if warmup is None else warmup
    repeats = args.repeats if repeats is None else repeats
    cuda = x.is_cuda
    autocast = DTYPES[args.dtype] if args.autocast else None
    times = []
    with torch.inference_mode(), torch.autocast(x.device.type, dtype=autocast,
                                                enabled=autocast is not None):
        for i in range(warmup + repeats):
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            model(x)
            if cuda:
                torch.cuda.synchronize()
            if i >= warmup:
                times.append(time.perf_counter() - start)
    return statistics.median(times)


@cli_main
def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    entries = [(spec, spec) for spec in args.models] + default_baselines(args.baselines)
    if not entries:
        raise InputError('nothing to benchmark (give models or baselines)')
    device = torch.device(args.device)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    if args.autocast and args.dtype == 'fp32':
        raise InputError('--autocast needs --dtype fp16 or bf16')
    # the models' and inputs' dtype: cast, unless autocast computes in lower precision
    dtype = torch.float32 if args.autocast else DTYPES[args.dtype]
    precision = f'{args.dtype} ({"autocast" if args.autocast else "cast"})' \
        if args.dtype != 'fp32' else 'fp32'
    models, num_fused = {}, 0
    for label, spec in entries:
        model = build_model(spec)
        params, flops = model_complexity(model, args.shape)
        model.to(device, dtype=dtype, memory_format=memory_format)
        model.eval()  # not chained: some toolkit backbones' train() returns None
        models[label] = (model, params, flops)
        if args.deploy is not None and spec in args.models and has_deploy_path(model):
            for cfg in dict.fromkeys(args.deploy):
                try:
                    fused = switch_to_deploy(copy.deepcopy(model),
                                             **parse_kwargs(cfg, what='--deploy option'))
                except (TypeError, ValueError) as exc:
                    raise InputError(f'--deploy {cfg!r}: {exc}') from None
                models[f'{label} (deploy{": " + cfg if cfg else ""})'] = (fused, params, flops)
                num_fused += 1
    if args.deploy is not None and not num_fused:
        raise InputError('--deploy: none of the models has a fused inference path '
                         '(switch_to_deploy); in mmhsnet, HS-ResNet has one')
    if args.compile:
        models = {
            label: (torch.compile(model, backend=args.compile_backend, dynamic=False,
                                  mode=None if args.compile == 'default' else args.compile),
                    params, flops)
            for label, (model, params, flops) in models.items()
        }

    results = {label: {} for label in models}
    notes = []
    for batch in args.batch_sizes:
        x = torch.rand(batch, 3, *args.shape, device=device).to(
            dtype=dtype, memory_format=memory_format)
        if args.compile:
            for label, (model, _, _) in models.items():
                seconds = time_forward(model, x, args, warmup=0, repeats=1)
                notes.append(f'{label}: compiled for batch {batch} in {seconds:.1f} s')
                print(notes[-1], flush=True)
        # interleave: one round over all models, twice, keep the better median of each
        for _ in range(2):
            for label, (model, _, _) in models.items():
                latency = time_forward(model, x, args)
                results[label][batch] = min(results[label].get(batch, latency), latency)

    device_name = (torch.cuda.get_device_name(device) if device.type == 'cuda' else
                   platform.processor() or platform.machine())
    lines = [
        f'device: {device_name}; torch {torch.__version__}; {precision}'
        f'{", channels_last" if args.channels_last else ""}'
        f'{f"; torch.compile {args.compile} ({args.compile_backend})" if args.compile else ""}'
        f'; input {args.shape[0]}x'
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
    table = '\n'.join(lines + [''] + notes if notes else lines)
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
        ax.set_title(f'{device_name}, {precision}')
        fig.tight_layout()
        fig.savefig(args.plot, dpi=150)


if __name__ == '__main__':
    main()
