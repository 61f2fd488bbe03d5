#!/usr/bin/env bash
# The fine-tuning sweep of issue 17 (docs/fine-tuning.md): real head training and fine-tuning on a photo folder split as
# the template splits it, every setting with several seeds, one CSV row a run (validation only; the test split is never read).
#   ./sweep.sh --summary CSV...  the table of docs/fine-tuning.md from sweep CSVs
#   ./sweep.sh --base squeezenet|mobilenetv2 --settings FILE [--seeds 1,2,3] [--out FILE] [--data DIR] [--models DIR] [--no-build]
#     --settings FILE  one setting a line: a name, then key=value over FineTune's defaults (docs/fine-tuning.md lists the keys)
#     --out FILE       where rows are appended (default target/sweep/<base>.csv); settings and seeds already there are skipped
#     --data DIR       default ../shared/data/datasets/flowers; --models DIR default ../shared/data/models
# DJL runs offline, without usage tracking.
set -euo pipefail
cd "$(dirname "$0")"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
build=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --summary) args+=("$1"); shift; while [ $# -gt 0 ]; do args+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"); shift; done ;;
    --settings|--out|--data|--models) args+=("$1" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
    --base|--seeds) args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "sweep.sh: unknown option $1 (see ./sweep.sh --help)" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  ./mvnw -q -B install -DskipTests -pl nifi-transfer-bench -am
fi
exec ./mvnw -q -B -pl nifi-transfer-bench exec:exec -Dbench.main=org.nifitransfer.bench.FineTuningSweep -Dbench.args="${args[*]}"
