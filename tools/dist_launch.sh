#!/usr/bin/env bash
# The one launcher body of dist_train.sh and dist_test.sh:
#   bash tools/dist_launch.sh TOOL GPUS [TOOL args]     (TOOL: train.py or test.py)
# One process per GPU (on a machine without CUDA, per CPU process, gloo backend) through
# torch.distributed.run; NNODES, NODE_RANK, PORT, MASTER_ADDR and PYTHON may be set.
TOOL=$1
GPUS=$2
if ! [[ "$GPUS" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: the number of GPUs (processes) must be a positive integer, got '${GPUS}'" >&2
  exit 2
fi
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-python}
if [[ -z "${VIRTUAL_ENV:-}" && -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; fi

PYTHONPATH="$ROOT":$PYTHONPATH \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    "$ROOT/tools/$TOOL" \
    "${@:3}" \
    --launcher pytorch
