#!/usr/bin/env bash
# The GPU measurements of docs/benchmarks.md, every table with its baselines in the same process:
#   eager_fp16     eager, fp16 (models cast): HS-ResNet-50 (reference path and three fused forms),
#                  ResNeSt-50, Lite-HRNet-18 and the baselines
#   eager_fp32     the same in fp32 (HS-ResNet-50's default fused form only)
#   compiled_fp16  torch.compile with CUDA graphs (mode reduce-overhead), fp16: HS-ResNet-50
#                  (reference and fused, channel_multiple=8) and ResNet-50-D compiled the same way
# all channels_last (a flag that extra arguments cannot turn off), batch 1 and 64. $STAGES picks
# the tables (default: all three, in this order); tables, plot and log go to OUT_DIR. Extra
# arguments go to every benchmark.py call and override its options (a dry run on the CPU:
# --device cpu --dtype bf16 --shape 64 64 --warmup 0 --repeats 1 --compile-backend aot_eager).
# $PYTHON (default: python) runs it; it needs torch, timm, matplotlib, mmengine and mmcv(-lite),
# not the toolkits nor an installed mmhsnet (the repository is put on PYTHONPATH).
#
# usage: [STAGES='eager_fp16 ...'] tools/analysis_tools/benchmark_gpu.sh OUT_DIR [options ...]
set -eo pipefail
out=$1
stages=${STAGES:-eager_fp16 eager_fp32 compiled_fp16}
if [[ -z $out || $out == -* ]]; then
    echo "usage: [STAGES='$stages'] $0 OUT_DIR [benchmark.py options ...]" >&2
    exit 2
fi
for stage in $stages; do
    if [[ ! $stage =~ ^(eager_fp16|eager_fp32|compiled_fp16)$ ]]; then
        echo "unknown stage '$stage' in STAGES: eager_fp16, eager_fp32, compiled_fp16" >&2
        exit 2
    fi
done
shift
mkdir -p -- "$out"
python=${PYTHON:-python}
root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
bench() {
    "$python" "$root/tools/analysis_tools/benchmark.py" --batch-sizes 1 64 --device cuda \
        --channels-last "$@" 2>&1 | tee -a "$out/log.txt"
}
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
  "$python" -c 'import torch, timm, matplotlib, mmengine, mmcv
print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn",
      torch.backends.cudnn.version(), "timm", timm.__version__, "mmengine",
      mmengine.__version__, "mmcv", mmcv.__version__)'; } 2>&1 | tee -a "$out/log.txt"
models=(mmhsnet.HSResNet:depth=50 mmhsnet.ResNeSt:depth=50 mmhsnet.LiteHRNet:arch=18)
for stage in $stages; do
    case $stage in
        eager_fp16)
            bench "${models[@]}" --dtype fp16 \
                --deploy --deploy channel_multiple=8 --deploy channel_multiple=8,split_x=True \
                --out "$out/$stage.md" --plot "$out/$stage.png" "$@" ;;
        eager_fp32)
            bench "${models[@]}" --dtype fp32 --deploy --out "$out/$stage.md" "$@" ;;
        compiled_fp16)
            bench mmhsnet.HSResNet:depth=50 --baselines reference --dtype fp16 \
                --deploy channel_multiple=8 --compile reduce-overhead --out "$out/$stage.md" \
                "$@" ;;
    esac
done
