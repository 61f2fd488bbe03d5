#!/usr/bin/env bash
# nifi-transfer's main job: builds the NAR, runs templates/cats-vs-dogs.json in a local NiFi 2.3.0 (assembled by Maven from
# Maven Central artifacts) on 127.0.0.1, follows the run live, prints the head and fine-tuned test accuracies and where the
# run's results are, and leaves NiFi running with its UI address printed.
#   ./run.sh                               real photos and a real base the repository carries (examples/: 780 flower
#                                          photos, SqueezeNet 1.1 with ImageNet weights), offline, a few minutes
#   ./run.sh --data DIR [--base-model FILE] [options]
#                                          your folder (train/ with validation/ or val/ and test/, or train/ and test/ only;
#                                          one folder per class) and a headless TorchScript base (.pt)
#   options: --preset zero-one|minus-one-one|imagenet|caffe  --size N  --unfreeze N  --head-epochs N  --fine-tune-epochs N
#            --fine-tune-lr R  --port N  --stall-minutes N (default 5)  --fresh (wipe the project's NiFi and its flow first)
#   ./run.sh --download cats-and-dogs --base-model FILE|URL [options]
#                                          online: fetch the tutorial's cats_and_dogs_filtered set (and a base given as a DJL
#                                          model URL) first; the NiFi it starts stays offline
#   ./run.sh status                        is the project's NiFi running, its runs, their results
#   ./run.sh restart                       start the project's NiFi again (after a stop or a crash) with its flow and queues,
#                                          and follow the runs still in progress
#   ./run.sh stop                          stop it
# A second ./run.sh while NiFi runs adds its run to it; results go to target/run-output/<run id>/ and are never deleted.
set -euo pipefail
cd "$(dirname "$0")"
home="$(pwd)/nifi-transfer-e2e/target/nifi-home"
command=start
case "${1:-}" in
  stop|status|restart) command="$1"; shift ;;
esac
if [ "$command" = stop ]; then
  pidfile="$home/run/nifi.pid"
  if [ ! -f "$pidfile" ]; then echo "No NiFi of this project is running."; exit 0; fi
  pid=$(cat "$pidfile"); rm -f "$pidfile"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || { echo "NiFi stopped."; exit 0; }; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true; echo "NiFi killed after 60 s."
  else
    echo "No NiFi of this project is running."
  fi
  exit 0
fi

# The options are checked before the build: names, values, and that the files named exist. The main job checks the rest
# (with the processors' own validators) before NiFi starts.
usage="Usage: ./run.sh [--data DIR] [--base-model FILE|URL] [--preset P] [--size N] [--unfreeze N] [--head-epochs N] \
[--fine-tune-epochs N] [--fine-tune-lr R] [--port N] [--stall-minutes N] [--download cats-and-dogs] [--fresh] | status | restart | stop"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) args+=("$1"); shift ;;
    --data|--base-model|--preset|--size|--unfreeze|--head-epochs|--fine-tune-epochs|--fine-tune-lr|--port|--stall-minutes|--download)
      if [ $# -lt 2 ] || [ "${2#--}" != "$2" ]; then echo "$1 needs a value. $usage" >&2; exit 2; fi
      value="$2"
      case "$1" in
        --data) [ -d "$value" ] || { echo "--data: $value is not a directory (nothing was started)" >&2; exit 2; } ;;
        --base-model) case "$value" in *://*) ;; *) [ -f "$value" ] || { echo "--base-model: $value does not exist (nothing was started)" >&2; exit 2; } ;; esac ;;
        --size|--unfreeze|--head-epochs|--fine-tune-epochs|--port|--stall-minutes)
          [[ "$value" =~ ^[0-9]+$ ]] || { echo "$1: '$value' is not a whole number (nothing was started)" >&2; exit 2; } ;;
      esac
      case "$value" in
        *://*) ;;
        *) if [ -e "$value" ]; then value="$(cd "$(dirname "$value")" && pwd)/$(basename "$value")"; fi ;;
      esac
      args+=("$1" "$value"); shift 2 ;;
    *) echo "Unknown argument '$1'. $usage" >&2; exit 2 ;;
  esac
done
export OPT_OUT_TRACKING=true
case " ${args[*]:-} " in
  *" --download "*|*"://"*) ;;                 # the main job fetches what was asked for; NiFi itself stays offline
  *) export DJL_OFFLINE=true ;;
esac
echo "Building the NAR and a NiFi 2.3.0 home (the first run downloads Maven, the dependencies and NiFi: a few minutes)..." >&2
./mvnw -q -B install -DskipTests
cd nifi-transfer-e2e
# exec:java takes its arguments as one string split at spaces: paths with spaces go through a file instead
argfile="$(mktemp)"
printf '%s\n' "$command" "${args[@]}" "--project" "$(cd .. && pwd)" > "$argfile"
exec ../mvnw -q -B org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
  -Dexec.mainClass=org.nifitransfer.e2e.MainJob -Djava.awt.headless=true \
  -Dtransfer.nifi.home="$home" -Dtransfer.nifi.logs="$(pwd)/target/nifi-logs" \
  -Dexec.args="--args-file $argfile"
