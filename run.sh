#!/usr/bin/env bash
# nifi-transfer's main job: builds the NAR and runs LoadImageFolder -> ResizeAndNormalize -> Augment over a folder
# of images, printing what each processor produced and writing the datasets as .tar files.
#   ./run.sh                      a smoke run on generated images (offline)
#   ./run.sh --data DIR           your folder: train/, validation/ (or val/), test/ with one folder per class,
#                                 or class folders only (split 80/10/10)
#   options: --out DIR  --size N  --preset zero-one|minus-one-one|imagenet|caffe  --materialize N
set -euo pipefail
cd "$(dirname "$0")"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
args=()
for arg in "$@"; do
  case "$arg" in
    --*) args+=("$arg") ;;
    *) if [ -e "$arg" ]; then args+=("$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")"); else args+=("$arg"); fi ;;
  esac
done
echo "Building (first run downloads Maven, dependencies and the DJL engines: a few minutes)..." >&2
./mvnw -q -B install -DskipTests
cd nifi-transfer-processors
exec ../mvnw -q -B org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
  -Dexec.mainClass=org.nifitransfer.processors.demo.DataPipelineDemo -Dexec.args="${args[*]:-}"
