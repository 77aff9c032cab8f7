"""Inference speed of mmhsnet's LiteHRNet against mmpose's, same weights, same process.

    python tools/analysis_tools/benchmark_litehrnet.py                       # 18, 32x3x256x192
    python tools/analysis_tools/benchmark_litehrnet.py --arch 30 --threads 2 --repeats 20

Both models get the same random weights (and random norm statistics); the script checks that
their outputs agree, then times eval-mode forwards under ``torch.inference_mode()``, alternating
the models so that all see the same machine load, and reports the median of the repeats. Also
timed: ours with ``channels_last=False`` (bit-identical to mmpose's outputs). Needs mmpose.
"""
import argparse
import statistics
import time

import torch

from mmhsnet.models import LiteHRNet
from mmhsnet.testing import randomize_norms


def parse_args():
    parser = argparse.ArgumentParser(description='Benchmark LiteHRNet: mmhsnet vs mmpose')
    parser.add_argument('--arch', default='18', choices=sorted(LiteHRNet.arch_settings),
                        help='Lite-HRNet architecture')
    parser.add_argument('--batch', type=int, default=32, help='batch size')
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 192], metavar=('H', 'W'),
                        help='input size')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch.set_num_threads (default: torch\'s choice)')
    parser.add_argument('--warmup', type=int, default=2, help='untimed forwards per model')
    parser.add_argument('--repeats', type=int, default=10, help='timed forwards per model')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random weights')
    return parser.parse_args()


def time_forward(model, x):
    start = time.perf_counter()
    model(x)
    return time.perf_counter() - start


def main():
    args = parse_args()
    from mmpose.models.backbones import LiteHRNet as MMPoseLiteHRNet
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    ours = LiteHRNet(arch=args.arch)
    exact = LiteHRNet(arch=args.arch, channels_last=False)
    theirs = MMPoseLiteHRNet(ours.extra)
    randomize_norms(theirs, args.seed, weight_range=(0.25, 0.75))
    ours.load_state_dict(theirs.state_dict(), strict=True)
    exact.load_state_dict(theirs.state_dict(), strict=True)
    theirs.eval()  # mmpose's train() returns None
    models = {
        'mmhsnet': ours.eval(),
        'mmhsnet, channels_last=False': exact.eval(),
        'mmpose': theirs
    }
    x = torch.rand(args.batch, 3, *args.shape, generator=torch.Generator().manual_seed(1))

    with torch.inference_mode():
        expected = theirs(x)[0]
        diffs = {name: (model(x)[0] - expected).abs().max().item()
                 for name, model in models.items()}
        for _ in range(args.warmup):
            for model in models.values():
                model(x)
        times = {name: [] for name in models}
        for _ in range(args.repeats):
            for name, model in models.items():
                times[name].append(time_forward(model, x))

    median = {name: statistics.median(t) for name, t in times.items()}
    print(f'Lite-HRNet-{args.arch}, input {args.batch}x3x{args.shape[0]}x{args.shape[1]}, eval, '
          f'CPU, {torch.get_num_threads()} threads, torch {torch.__version__}; median of '
          f'{args.repeats} after {args.warmup} warm-up; "max abs diff": max |output - mmpose\'s| '
          f'(max |mmpose\'s output| = {expected.abs().max().item():.2f})\n')
    print('| implementation | median s / batch | min s / batch | images / s | speed-up | '
          'max abs diff |')
    print('|---|---|---|---|---|---|')
    for name, t in times.items():
        print(f'| {name} | {median[name]:.3f} | {min(t):.3f} | '
              f'{args.batch / median[name]:.1f} | {median["mmpose"] / median[name]:.2f}x | '
              f'{diffs[name]:.1e} |')
    print(f'\nspeed-up (mmpose median / mmhsnet median): '
          f'{median["mmpose"] / median["mmhsnet"]:.2f}x')


if __name__ == '__main__':
    main()
