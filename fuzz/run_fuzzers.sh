#!/bin/sh
# Runs every libFuzzer target for a bounded time from its seed corpus
# (fuzz/corpus/<target>), e.g. in CI after `cmake --preset fuzz && cmake --build --preset fuzz`:
#   fuzz/run_fuzzers.sh build/fuzz 60
# Exits non-zero on the first crash, leak or timeout; the reproducer is left in
# the working directory (crash-*, leak-*, timeout-*).
set -eu
build=${1:-build/fuzz}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
for target in sigv4_fuzz aws_chunked_fuzz s3_xml_fuzz s3_request_fuzz; do
  name=${target%_fuzz}
  work=$(mktemp -d)
  cp "$here/corpus/$name"/* "$work"/ 2>/dev/null || true
  echo "== $target for ${seconds}s"
  "$build/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 "$work"
  rm -rf "$work"
done
