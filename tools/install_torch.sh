#!/usr/bin/env bash
# Install the pinned CPU build of torch into the given Python, never the CUDA one.
#   tools/install_torch.sh .venv/bin/python
# Where pip's find-links hold a CPU wheel (as on the course's CI machines), that wheel is
# used. Otherwise Linux and Windows use the PyTorch CPU index (PyPI's Linux wheel pulls
# several GB of CUDA packages); macOS wheels on PyPI are CPU-only already.
set -euo pipefail
py="$1"
version="2.13.0"
cpu_index="https://download.pytorch.org/whl/cpu"
# The probe below downloads the 183 MB wheel to see whether a local copy exists: remove it after.
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT

if "$py" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$version')" 2>/dev/null; then
  echo "torch $version already installed"
elif "$py" -m pip download -q --no-deps --no-index -d "$probe" "torch==$version" >/dev/null 2>&1; then
  echo "torch $version: using the local CPU wheel"
  "$py" -m pip install -q "torch==$version"
elif [ "$(uname -s)" = "Darwin" ]; then
  "$py" -m pip install -q "torch==$version"
else
  echo "torch $version: using the PyTorch CPU index"
  "$py" -m pip install -q "torch==$version" --index-url "$cpu_index" --extra-index-url https://pypi.org/simple
fi

if "$py" -m pip list 2>/dev/null | grep -qi '^nvidia-'; then
  echo "ERROR: GPU (nvidia-*) packages are installed in this environment; the course needs the CPU build of torch only." >&2
  echo "Remove .venv and run 'make lab' again." >&2
  exit 1
fi
