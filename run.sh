#!/usr/bin/env bash
# nifi-transfer's main job: builds the NAR and runs the eight processors over a folder of images
# (LoadImageFolder -> ResizeAndNormalize -> Augment -> ExtractFeatures -> TrainHead -> UnfreezeLayers -> FineTune
# -> Evaluate), printing what each produced and the head and fine-tuned accuracies, and writing the datasets, models,
# metrics, learning curve and confusion matrix to the output folder.
#   ./run.sh                                   a smoke run on generated images and the tiny fixture base (offline)
#   ./run.sh --data DIR --base-model FILE      your folder (train/, validation/ or val/, test/, one folder per class;
#                                              or class folders only, split 80/10/10) and a headless base (.pt or .onnx)
#   options: --out DIR  --size N  --preset zero-one|minus-one-one|imagenet|caffe  --unfreeze N  --head-epochs N
#            --fine-tune-epochs N  --fine-tune-lr R  --materialize N
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
  -Dexec.mainClass=org.nifitransfer.processors.demo.DataPipelineDemo -Dexec.args="${args[*]:-} --project $(cd .. && pwd)"
