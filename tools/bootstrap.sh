#!/usr/bin/env bash
# Idempotent environment bootstrap for tlalign_mm.
#
# Creates .venv in the repository with the pinned OpenMMLab stack. mmcv 2.1.0 has no wheel for
# torch 2.14, so it is built once from the PyPI sdist (C++ standard patched to c++20, which the
# torch 2.14 headers need) and the wheel is kept in a cache *outside* the repository, keyed by the
# mmcv, torch and Python versions, so a fresh clone (CI) installs it in seconds instead of ~12 min.
# A stamp keyed by this script and requirements.txt makes a second run a no-op.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY_BASE="${PYTHON:-python3}"
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
SETUPTOOLS_SPEC='setuptools>=77,<82'
CACHE_ROOT="${TLALIGN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tlalign_mm}"

log() { echo "[bootstrap] $*"; }

# This machine's global pip config lists local indexes that do not hold every package; pip warns
# once per package. Drop those lines, keep everything else, and keep pip's exit status.
quiet_pip() {
  "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
  return "${PIPESTATUS[0]}"
}

stamp_key() {
  cat "$ROOT/tools/bootstrap.sh" "$ROOT/requirements.txt" "$ROOT/setup.py" | sha256sum | cut -c1-16
}

STAMP="$VENV/.tlalign_stamp"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_key)" ]]; then
  log "environment up to date ($VENV)"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  "$PY_BASE" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=(quiet_pip "$PY" -m pip install --disable-pip-version-check)

PYVER="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
# mmcv's CUDA ops (RoIAlign, NMS for Mask R-CNN on GPU) are built where torch sees a GPU, for its
# compute capability; TLALIGN_MMCV_CUDA=1 forces them (e.g. TORCH_CUDA_ARCH_LIST=9.0 for Hopper,
# built on a CPU machine with nvcc), TLALIGN_MMCV_CUDA=0 forbids them.
MMCV_CUDA="${TLALIGN_MMCV_CUDA:-$("$PY" -c 'import torch; print(int(torch.cuda.is_available()))' 2>/dev/null || echo 0)}"
if [[ "$MMCV_CUDA" == 1 && -z "${TORCH_CUDA_ARCH_LIST:-}" ]]; then
  TORCH_CUDA_ARCH_LIST="$("$PY" -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability())')"
  export TORCH_CUDA_ARCH_LIST
fi
MMCV_FLAVOUR=cpu
[[ "$MMCV_CUDA" == 1 ]] && MMCV_FLAVOUR="cuda${TORCH_CUDA_ARCH_LIST// /_}"
CONSTRAINTS="$VENV/tlalign_constraints.txt"
printf 'torch==%s\ntorchvision==%s\nmmcv==%s\n' \
  "$TORCH_VERSION" "$TORCHVISION_VERSION" "$MMCV_VERSION" > "$CONSTRAINTS"

log "torch $TORCH_VERSION, torchvision $TORCHVISION_VERSION"
"${PIP[@]}" -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
# Installing torch may pull setuptools >= 82, which drops pkg_resources; mmcv's setup.py and
# mmengine's `mmseg::` base-config resolution both need it.
"${PIP[@]}" -q "$SETUPTOOLS_SPEC" wheel ninja 'numpy<2'

if ! "$PY" -c "import mmcv, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null \
   || ! "$PY" -c "import mmcv.ops" 2>/dev/null; then
  # The CPU wheel keeps its old cache key, so existing caches stay valid.
  WHEEL_DIR="$CACHE_ROOT/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PYVER"
  [[ "$MMCV_FLAVOUR" != cpu ]] && WHEEL_DIR="$WHEEL_DIR-$MMCV_FLAVOUR"
  mkdir -p "$WHEEL_DIR"
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV_VERSION with $MMCV_FLAVOUR ops from source (one time, ~12 min on 2 cores)"
    BUILD="$(mktemp -d)"
    trap 'rm -rf "$BUILD"' EXIT
    quiet_pip "$PY" -m pip download -q --no-deps --no-binary :all: "mmcv==$MMCV_VERSION" -d "$BUILD"
    tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
    SRC="$BUILD/mmcv-$MMCV_VERSION"
    # torch 2.14's headers use C++20 features; mmcv hard-codes -std=c++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    grep -q -- '-std=c++20' "$SRC/setup.py" || { echo "mmcv setup.py patch did not apply" >&2; exit 1; }
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA="$MMCV_CUDA" MAX_JOBS="$(nproc)" \
      quiet_pip "$PY" -m pip wheel -q --no-build-isolation --no-deps . -w "$BUILD/dist")
    cp "$BUILD"/dist/mmcv-*.whl "$WHEEL_DIR/"
  else
    log "mmcv wheel from cache $WHEEL_DIR"
  fi
  "${PIP[@]}" -q --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-*.whl
fi

log "OpenMMLab stack and test tools"
"${PIP[@]}" -q -c "$CONSTRAINTS" -r "$ROOT/requirements.txt" \
  addict packaging pyyaml rich termcolor yapf mmcv=="$MMCV_VERSION"
"${PIP[@]}" -q "$SETUPTOOLS_SPEC"
"${PIP[@]}" -q -c "$CONSTRAINTS" --no-deps --no-build-isolation -e "$ROOT"

"$PY" -c "import tlalign_mm, mmcv.ops; tlalign_mm.check_stack(); print('[bootstrap] stack ok:', tlalign_mm.stack_versions())"
stamp_key > "$STAMP"
log "done"
