#!/usr/bin/env bash
# nifi-transfer's main job: builds the NAR, starts a local NiFi 2.3.0 with it on 127.0.0.1 (assembled by Maven from
# Maven Central artifacts), imports templates/cats-vs-dogs.json, runs it, prints the head and fine-tuned accuracies
# and where the results landed, and leaves NiFi running with its UI address printed.
#   ./run.sh                                         a smoke run: generated images and the tiny fixture base (offline)
#   ./run.sh --data DIR --base-model FILE [options]  your folder (train/, validation/ or val/, test/, one folder per
#                                                    class) and a headless TorchScript base (.pt)
#   options: --preset zero-one|minus-one-one|imagenet|caffe  --size N  --unfreeze N  --head-epochs N
#            --fine-tune-epochs N  --fine-tune-lr R  --port N
#   ./run.sh --download cats-and-dogs --base-model FILE|URL [options]
#                                                    online: fetch the tutorial's cats_and_dogs_filtered set (and a base
#                                                    given as a DJL model URL) first; the NiFi it starts stays offline
#   ./run.sh stop                                    stops the NiFi it started
set -euo pipefail
cd "$(dirname "$0")"
home="$(pwd)/nifi-transfer-e2e/target/nifi-home"
if [ "${1:-}" = stop ]; then
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
export OPT_OUT_TRACKING=true
case " $* " in
  *" --download "*|*"://"*) ;;                 # the main job fetches what was asked for; NiFi itself stays offline
  *) export DJL_OFFLINE=true ;;
esac
args=()
for arg in "$@"; do
  case "$arg" in
    --*|*://*) args+=("$arg") ;;
    *) if [ -e "$arg" ]; then args+=("$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")"); else args+=("$arg"); fi ;;
  esac
done
echo "Building the NAR and a NiFi 2.3.0 home (the first run downloads Maven, the dependencies and NiFi: a few minutes)..." >&2
./mvnw -q -B install -DskipTests
cd nifi-transfer-e2e
exec ../mvnw -q -B org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
  -Dexec.mainClass=org.nifitransfer.e2e.MainJob -Djava.awt.headless=true \
  -Dtransfer.nifi.home="$home" -Dtransfer.nifi.logs="$(pwd)/target/nifi-logs" \
  -Dexec.args="start ${args[*]:-} --project $(cd .. && pwd)"
