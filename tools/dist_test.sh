#!/usr/bin/env bash
# Distributed testing on one or more nodes: bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
# On a machine without CUDA, GPUS is the number of CPU processes (gloo backend).
if [[ $# -lt 3 ]]; then
  echo "usage: bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]" >&2
  exit 2
fi
exec bash "$(dirname "$0")/dist_launch.sh" test.py "$3" "$1" "$2" "${@:4}"
