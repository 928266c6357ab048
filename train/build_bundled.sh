#!/usr/bin/env bash
# Rebuild model/bundled from nothing: pretrain the compact BERT, fine-tune it, train the linear
# model, join both in a log-odds ensemble and export it to ONNX int8.
#
#     bash train/build_bundled.sh [RUNS_FOLDER]      (default: runs/bundled)
#
# Needs the Debian documentation packages of the README's "Pretraining" section (for the
# pretraining text), ../shared/wild (or JPRIVACY_WILD) and ../shared/eval/dev for the agreement
# check.  Each step writes a folder under RUNS_FOLDER and is skipped when that folder exists, so
# an interrupted build resumes.  About 75 minutes on the 2-core machine of the model card, most of
# it pretraining.  The model card (model/bundled/README.md) is kept; every other file is replaced.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/bundled}
export HF_HUB_OFFLINE=1

step() {  # step FOLDER COMMAND...: run COMMAND unless FOLDER was finished before
  local folder=$1
  shift
  if [ -f "$folder/jprivacy.json" ] || [ -f "$folder/pretraining.json" ]; then
    echo "== $folder exists, kept"
  else
    echo "== $*"
    "$@"
  fi
}

step "$runs/base-1500" jprivacy pretrain --output "$runs/base-1500" --max-steps 1500
step "$runs/base" jprivacy pretrain --init-from "$runs/base-1500" --output "$runs/base" --max-steps 1500 --seed 14
step "$runs/bert" jprivacy train --backend transformer --base-model "$runs/base" --max-length 128 \
  --learning-rate 1e-4 --batch-size 32 --epochs 6 --output "$runs/bert"
step "$runs/linear" jprivacy train --output "$runs/linear" --threshold-folds 5
step "$runs/ensemble" jprivacy train --backend ensemble --combine log-odds --weights 0.9 0.1 \
  --linear-model "$runs/linear" --transformer-model "$runs/bert" --output "$runs/ensemble"
rm -rf "$runs/export"
jprivacy export --model "$runs/ensemble" --output "$runs/export" --int8 --check ../shared/eval/dev/gold.jsonl
cp model/bundled/README.md "$runs/export/README.md"
rm -rf model/bundled
cp -r "$runs/export" model/bundled
echo "== model/bundled rebuilt; score it with: jprivacy evaluate ../shared/eval/dev/gold.jsonl"
