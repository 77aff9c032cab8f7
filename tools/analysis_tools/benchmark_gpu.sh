#!/usr/bin/env bash
# The GPU measurements of docs/benchmarks.md in one run, every table with its baselines:
#   1. eager, fp16 autocast and fp32, channels_last, batch 1 and 64: HS-ResNet-50 (reference and
#      fused paths), ResNeSt-50, Lite-HRNet-18 and the baselines;
#   2. torch.compile with CUDA graphs (mode reduce-overhead), fp16: HS-ResNet-50 (reference and
#      fused) against ResNet-50-D compiled the same way.
# Tables, plot and log go to OUT_DIR. Extra arguments go to every benchmark.py call and override
# its options (a dry run on the CPU: --device cpu --dtype fp32 --shape 64 64 --warmup 0
# --repeats 1 --compile-backend aot_eager). $PYTHON (default: python) runs it; mmhsnet need not
# be installed (the repository is put on PYTHONPATH), only torch, mmengine, mmcv(-lite) and timm.
#
# usage: tools/analysis_tools/benchmark_gpu.sh OUT_DIR [benchmark.py options ...]
set -eo pipefail
out=${1:?usage: $0 OUT_DIR [benchmark.py options ...]}
shift
mkdir -p "$out"
python=${PYTHON:-python}
root=$(cd "$(dirname "$0")/../.." && pwd)
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
bench() {
    "$python" "$root/tools/analysis_tools/benchmark.py" --batch-sizes 1 64 --device cuda \
        --channels-last "$@" 2>&1 | tee -a "$out/log.txt"
}
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
  "$python" -c 'import torch, mmengine, mmcv; print("torch", torch.__version__, "cuda",
torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "mmengine", mmengine.__version__,
"mmcv", mmcv.__version__)'; } 2>&1 | tee "$out/log.txt"
models=(mmhsnet.HSResNet:depth=50 mmhsnet.ResNeSt:depth=50 mmhsnet.LiteHRNet:arch=18)
bench "${models[@]}" --dtype fp16 --deploy '' channel_multiple=8 channel_multiple=8,split_x=True \
    --out "$out/eager_fp16.md" --plot "$out/eager_fp16.png" "$@"
bench "${models[@]}" --dtype fp32 --deploy '' --out "$out/eager_fp32.md" "$@"
bench mmhsnet.HSResNet:depth=50 --baselines reference --dtype fp16 --deploy channel_multiple=8 \
    --compile reduce-overhead --out "$out/compiled_fp16.md" "$@"
