#!/usr/bin/env bash
# Distributed training on one or more nodes: bash tools/dist_train.sh CONFIG GPUS [train.py args]
# On a machine without CUDA, GPUS is the number of CPU processes (gloo backend).
if [[ $# -lt 2 ]]; then
  echo "usage: bash tools/dist_train.sh CONFIG GPUS [train.py args]" >&2
  exit 2
fi
exec bash "$(dirname "$0")/dist_launch.sh" train.py "$2" "$1" "${@:3}"
