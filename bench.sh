#!/usr/bin/env bash
# nifi-transfer benchmarks against Python peers (issue 5): prints one table, each stage with our figure, the Python
# peer's figure and the ratio, measured in the same run, on the same files, with the same thread count.
#   ./bench.sh [--threads N] [--seconds S] [--head-epochs E] [--fine-tune-epochs F] [--memory-images 5000,25000]
#              [--data DIR | --photos N] [--models DIR] [--stages 1,2,...] [--python PATH] [--no-build]
#     --threads N     threads on both sides (default 2): DJL PyTorch num_threads/num_interop_threads, ONNX Runtime
#                     intra/inter-op, the Java decode pool; torch.set_num_threads and the ThreadPoolExecutor in Python
#     --seconds S     time per throughput measurement (default 8)
#     --data DIR      the images: the shared data folder (default ../shared/data beside the checkout: its flowers), or
#                     any folder of class folders (or of train/, val/, test/ folders of class folders), e.g. your own;
#                     without either, generated 320x240 images, and the table says so
#     --photos N      instead, N generated 500x375 photos (the size of most downloads; stage 6's generator, kept)
#     --models DIR    where squeezenet1_1_features.pt/.onnx are (default ../shared/data/models; else the fixture base)
#     --head-epochs E, --fine-tune-epochs F   epochs of stages 3 and 5 (default 10 and 2)
#     --memory-images LIST                    stage 6's dataset sizes (default 5000,25000: generated once, kept)
#     --memory-xms SIZE                       stage 6's NiFi -Xms (default 1g, as NiFi ships; -Xmx is always 1g)
#     --stages LIST   run only these stages (0 = matmul ceiling; default all). Stages 5, 6, 7 and 9 run a real NiFi (9 also a 3-node cluster)
#                     (the build's nifi-transfer-e2e/target/nifi-home) on 127.0.0.1; a full run takes about 12 min
#     --no-build      skip ./mvnw install -DskipTests (run what was built last)
# The Python peers (nifi-transfer-bench/python/) run with Debian's /usr/bin/python3 and need python3-pil,
# python3-torch and python3-numpy, and OpenBLAS (libopenblas0-pthread) behind the system BLAS; this script installs
# them with apt when it can and says so clearly when it cannot (the table then shows why the peer column is empty, and
# row 0 which BLAS library the peer loaded). DJL runs offline, without usage tracking.
set -euo pipefail
cd "$(dirname "$0")"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true

threads=2
python=/usr/bin/python3
build=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --python) python="$2"; args+=(--python "$2"); shift 2 ;;
    --seconds|--head-epochs|--fine-tune-epochs|--memory-images|--memory-xms|--data|--photos|--models|--stages) args+=("$1" "$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see ./bench.sh --help)" >&2; exit 2 ;;
  esac
done

missing=()
for pair in numpy:python3-numpy PIL:python3-pil torch:python3-torch; do
  "$python" -c "import ${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
# Debian's torch is built with BLAS_INFO=generic: it calls whatever libblas.so.3 the system provides. With only the
# reference BLAS its matmul is ~25x slower than any pip-installed PyTorch (MKL or OpenBLAS); OpenBLAS makes the peer fair.
if [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] && [ "$(uname -m)" = x86_64 ]; then
  missing+=(libopenblas0-pthread)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench.sh: the Python peers need ${missing[*]} (for $python); installing with apt-get ..."
  apt=()
  if [ "$(id -u)" = 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then apt=(sudo apt-get); fi
  if [ ${#apt[@]} -gt 0 ] && command -v apt-get >/dev/null \
     && "${apt[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq "${missing[@]}"; then
    echo "bench.sh: installed ${missing[*]}"
  else
    echo "bench.sh: WARNING: could not install ${missing[*]} (needs root or passwordless sudo and apt-get)." >&2
    echo "bench.sh: the Python peer columns will say what is missing; install them with:" >&2
    echo "bench.sh:   sudo apt-get install -y ${missing[*]}" >&2
  fi
fi

if [ "$build" = 1 ]; then
  # everything: the bench, and the NAR and NiFi home that stages 5 and 6 run
  ./mvnw -q -B install -DskipTests
fi
exec ./mvnw -q -B -pl nifi-transfer-bench exec:exec -Dbench.threads="$threads" -Dbench.args="${args[*]}"
