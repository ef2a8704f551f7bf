#!/usr/bin/env bash
# The exactly-once sink demo: installs the dependencies (quietly), builds refbroker and eos_sink,
# produces a data set, runs the sink into SQLite, kills it with SIGKILL mid-way, restarts it and
# prints the proof (rows expected, rows present, duplicates 0, gaps 0, stored offsets).
# Usage: bash examples/eos_sink/demo.sh [mariadb | mysql://user:pw@host:port/db]
#   mariadb  starts a private MariaDB server for the demo; a URL uses your server.
# Environment: BUILD_DIR (default build), DEMO_RECORDS (default 200000).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
bash .ci/deps >/dev/null
echo "==> building refbroker and eos_sink ($build/)"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target refbroker eos_sink >/dev/null
exec /usr/bin/python3 -B examples/eos_sink/demo.py --refbroker "$build/broker/refbroker" \
  --eos-sink "$build/examples/eos_sink" --database "${1:-sqlite}" --records "${DEMO_RECORDS:-200000}"
