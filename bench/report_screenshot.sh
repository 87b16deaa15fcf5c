#!/bin/sh
# Build a network with --report and take a screenshot of the HTML page in headless Chromium
# (Debian: apt-get install chromium), to look at the report's layout. Not run by the tests.
#
#   sh bench/report_screenshot.sh [NET.py [OUT_DIR [BUILD OPTIONS...]]]
#
# (defaults: examples/cuba.py, /tmp/nc-report; e.g. "--tolerance 0.001" to see a failed build's page).
#
# Writes OUT_DIR/<name>.html and OUT_DIR/<name>.png (1200 px wide, the page's height up to
# $HEIGHT px, default 6000). Chromium's background services are off (the page needs no network).
set -eu
net=${1:-examples/cuba.py}
out=${2:-/tmp/nc-report}
[ $# -gt 2 ] && shift 2 || set --
name=$(basename "$net" .py)
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "no Chromium found: apt-get install chromium" >&2
    exit 2
fi
mkdir -p "$out"
# a build that fails (exit 1) still writes its page
neurocompile build "$net" --target emu --out "$out" --report "$out/$name.html" "$@" > "$out/$name.build.txt" \
    || echo "build exited with $? (see $out/$name.build.txt); its page is still written" >&2
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# Headless Chromium has no full-page screenshot on its command line: take a tall window and
# cut the unused part off below.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1200,${HEIGHT:-6000} \
    --screenshot="$out/$name.png" "file://$(cd "$out" && pwd)/$name.html" 2> "$out/chromium.log"
# Cut the window's unused height off (Pillow comes with matplotlib).
if ! python3 - "$out/$name.png" 2>/dev/null <<'PY'
import sys
from PIL import Image, ImageChops
image = Image.open(sys.argv[1]).convert("RGB")
background = Image.new("RGB", image.size, image.getpixel((0, image.height - 1)))
box = ImageChops.difference(image, background).getbbox()
if box:
    image.crop((0, 0, image.width, min(image.height, box[3] + 24))).save(sys.argv[1])
PY
then
    echo "(the screenshot keeps the window's full height: cropping it needs Pillow)" >&2
fi
echo "wrote $out/$name.html and $out/$name.png"
