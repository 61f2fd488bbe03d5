#!/usr/bin/env bash
# Builds the JNI bridge to libjpeg-turbo (nifitransfer_image.c) into the core module's classes, beside the
# libleptonica.so.6 whose libjpeg-turbo it calls. Run by Maven (process-resources) as:
#   build-native.sh <leptonica-unpack-dir> <classes-dir> <java.home>
# On a host that is not Linux x86-64 it builds nothing and says so: the decoder then uses ImageIO alone.
# gcc and the libjpeg headers are installed with apt-get when they are missing and this runs as root.
set -euo pipefail
leptonica_dir="$1"
classes_dir="$2"
java_home="$3"
here="$(cd "$(dirname "$0")" && pwd)"
out="$classes_dir/org/nifitransfer/core/image/native/linux-x86_64"

if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
    echo "[native] $(uname -s)/$(uname -m): no libjpeg-turbo bridge is built here; JPEGs will be decoded with ImageIO" >&2
    exit 0
fi
lib="$leptonica_dir/org/bytedeco/leptonica/linux-x86_64/libleptonica.so.6"
[[ -f "$lib" ]] || { echo "[native] $lib is missing: the leptonica jar was not unpacked" >&2; exit 1; }

missing=()
command -v gcc >/dev/null || missing+=(gcc)
[[ -f /usr/include/jpeglib.h ]] || missing+=(libjpeg62-turbo-dev)
if (( ${#missing[@]} )); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "[native] installing ${missing[*]} with apt-get" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    else
        echo "[native] ${missing[*]} needed to build the libjpeg-turbo bridge: install them (Debian: apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi
jni_include="$java_home/include"
[[ -f "$jni_include/jni.h" ]] || jni_include="$java_home/../include"
[[ -f "$jni_include/jni.h" ]] || { echo "[native] no jni.h under $java_home: build with a JDK" >&2; exit 1; }

mkdir -p "$out"
cp "$lib" "$out/libleptonica.so.6"
gcc -O3 -fPIC -shared -Wall -Wextra -Werror -I"$jni_include" -I"$jni_include/linux" \
    -o "$out/libnifitransfer_image.so" "$here/nifitransfer_image.c" \
    -L"$out" -l:libleptonica.so.6 -Wl,-rpath,'$ORIGIN' -Wl,--as-needed
echo "[native] built $out/libnifitransfer_image.so against libjpeg-turbo in libleptonica.so.6" >&2
