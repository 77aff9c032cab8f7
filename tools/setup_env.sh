#!/usr/bin/env bash
# One-command environment for mmhsnet: creates .venv at the repository root and installs torch,
# mmengine, mmcv 2.1.0 with compiled ops, mmdet, mmsegmentation, mmpose and mmhsnet (editable).
#
#   bash tools/setup_env.sh [--wheel-dir DIR] [--python PYTHON]
#
# mmcv 2.1.0 with ops has no wheel for torch 2.14 on PyPI. The script installs it from a wheel
# directory when one holds mmcv-2.1.0 (--wheel-dir, $MMHSNET_WHEEL_DIR, or ../shared/wheels next to
# the repository), checks that its ops load, and otherwise builds it from the PyPI sdist (15-30
# minutes on 2 cores; the built wheel is kept in .cache/wheels/ for the next run).
# Idempotent: when nothing changed since the last successful run it only re-checks the imports.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
WHEEL_DIR="${MMHSNET_WHEEL_DIR:-}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --wheel-dir) WHEEL_DIR="$2"; shift 2 ;;
    --python) PYTHON="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup_env.sh: unknown argument '$1' (allowed: --wheel-dir DIR, --python PYTHON)" >&2; exit 2 ;;
  esac
done
if [[ -z "$WHEEL_DIR" && -d "$ROOT/../shared/wheels" ]]; then WHEEL_DIR="$ROOT/../shared/wheels"; fi

VENV="$ROOT/.venv"
VPY="$VENV/bin/python"
CACHE="$ROOT/.cache/wheels"
STAMP="$VENV/.mmhsnet-setup-stamp"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
STEP="start"
T0=$SECONDS
trap 'echo "setup_env.sh: FAILED at step: $STEP (exit $?)" >&2' ERR

step() { STEP="$1"; echo "==> [$((SECONDS - T0))s] $1"; }
pip_install() { "$VPY" -m pip install --disable-pip-version-check -q -c "$CONSTRAINTS" "$@"; }
check_imports() {
  "$VPY" - <<'PY'
import mmcv, mmengine, torch, torchvision
from mmcv.ops import nms, roi_align  # compiled ops
import mmdet, mmseg, mmpose, mmpretrain, mmhsnet.models
assert mmcv.__version__ == '2.1.0', mmcv.__version__
print(f'torch {torch.__version__}, torchvision {torchvision.__version__}, mmengine {mmengine.__version__}, '
      f'mmcv {mmcv.__version__} (ops), mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, '
      f'mmpose {mmpose.__version__}, mmpretrain {mmpretrain.__version__}, '
      f'mmhsnet {mmhsnet.__version__}')
PY
}
# The stamp records what was installed; any change to the requirements, setup.py or this script
# makes the next run install again.
fingerprint() { cat "$0" "$ROOT"/requirements/*.txt "$ROOT/setup.py" | sha256sum | cut -d' ' -f1; }

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(fingerprint)" ]]; then
  step "environment is up to date, checking imports"
  if check_imports; then echo "==> done in $((SECONDS - T0))s"; exit 0; fi
  echo "imports failed, reinstalling" >&2
fi

step "virtual environment (.venv)"
[[ -x "$VPY" ]] || "$PYTHON" -m venv "$VENV"
rm -f "$STAMP"

step "build tools (pip, wheel, setuptools<81, ninja)"
pip_install -U -r requirements/build.txt

step "torch 2.14.1 + torchvision 0.29.1"
pip_install -r requirements/torch.txt

step "mmengine"
pip_install mmengine==0.10.7

mmcv_ops_ok() { "$VPY" -c "import mmcv; from mmcv.ops import nms; assert mmcv.__version__ == '2.1.0'" >/dev/null 2>&1; }
install_mmcv_wheel() {  # $1: directory holding mmcv-2.1.0-*.whl
  local whl
  whl=$(ls "$1"/mmcv-2.1.0-cp3*-linux_*.whl 2>/dev/null | head -n 1 || true)
  [[ -n "$whl" ]] || return 1
  echo "    installing $whl"
  pip_install --no-deps --force-reinstall "$whl" && pip_install mmcv==2.1.0 && mmcv_ops_ok
}
build_mmcv() {
  local src="$ROOT/.cache/mmcv-src"
  rm -rf "$src" && mkdir -p "$src" "$CACHE"
  # --no-build-isolation: reading the sdist's metadata runs its setup.py, which imports
  # pkg_resources; an isolated build environment would bring a setuptools without it.
  "$VPY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: --no-cache-dir \
    --no-build-isolation mmcv==2.1.0 -d "$src"
  tar -xzf "$src"/mmcv-2.1.0.tar.gz -C "$src"
  # torch 2.14's headers need C++20; mmcv 2.1.0 compiles with -std=c++17.
  sed -i 's/-std=c++17/-std=c++20/g' "$src/mmcv-2.1.0/setup.py"
  grep -q -- '-std=c++20' "$src/mmcv-2.1.0/setup.py"
  # --no-cache-dir: pip's wheel cache is keyed on the sdist, not on torch.
  MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" "$VPY" -m pip wheel --disable-pip-version-check \
    --no-build-isolation --no-deps --no-cache-dir "$src/mmcv-2.1.0" -w "$CACHE"
  rm -rf "$src"
}

step "mmcv 2.1.0 with compiled ops"
if mmcv_ops_ok; then
  echo "    already installed"
elif [[ -n "$WHEEL_DIR" ]] && install_mmcv_wheel "$WHEEL_DIR"; then
  echo "    from $WHEEL_DIR"
elif install_mmcv_wheel "$CACHE"; then
  echo "    from $CACHE (built earlier)"
else
  echo "    no usable wheel; building from source (15 to 30 minutes on 2 cores)"
  STEP="mmcv 2.1.0 built from source"
  rm -f "$CACHE"/mmcv-2.1.0-*.whl
  build_mmcv
  install_mmcv_wheel "$CACHE"
fi

step "mmdet, mmsegmentation, mmpretrain and the dependencies of mmpose"
pip_install -r requirements/optional.txt

step "mmpose (without its undeclared-unused chumpy dependency)"
pip_install --no-deps -r requirements/mmpose.txt

step "mmhsnet (editable) and test requirements"
pip_install --no-build-isolation --no-deps -e .
pip_install -r requirements/tests.txt

step "checking imports"
check_imports
fingerprint > "$STAMP"
echo "==> done in $((SECONDS - T0))s"
