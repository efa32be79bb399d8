#!/usr/bin/env bash
# Installs the headless browser the tests in tests/browser/ drive: Debian's `chromium`
# and `chromium-driver` (the driver must be the browser's own build, so both come from
# the same archive; nothing is downloaded at test time). `make test` runs this first.
#
#   scripts/setup-browser.sh             install when missing if we can; else warn, exit 0
#                                        (the browser tests then skip, saying why)
#   scripts/setup-browser.sh --required  CI: exit 1 when the browser cannot be installed
set -uo pipefail

required=0
[[ "${1:-}" == "--required" ]] && required=1

BROWSER=${CACI_CHROMIUM:-/usr/bin/chromium}
DRIVER=${CACI_CHROMEDRIVER:-/usr/bin/chromedriver}

give_up() {
    echo "setup-browser: $1" >&2
    if ((required)); then
        echo "setup-browser: CI needs Chromium for tests/browser/; failing." >&2
        exit 1
    fi
    echo "setup-browser: going on; the browser tests will skip." >&2
    echo "setup-browser: to run them: apt-get install chromium chromium-driver (as root)." >&2
    exit 0
}

if [[ -x "$BROWSER" && -x "$DRIVER" ]]; then
    exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
    # Only CI may take passwordless sudo: `make test` on a desk never installs through it.
    if ((required)) && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        give_up "$BROWSER or $DRIVER is missing, and installing needs root."
    fi
fi
command -v apt-get >/dev/null || give_up "$BROWSER or $DRIVER is missing, and there is no apt-get here."

echo "setup-browser: installing chromium and chromium-driver with apt-get..." >&2
export DEBIAN_FRONTEND=noninteractive
# The lock timeout: another apt run (or a second `make test`) may hold dpkg's lock.
apt=("${as_root[@]}" apt-get -q -y -o DPkg::Lock::Timeout=300)
# That timeout is dpkg's lock only: `apt-get update` gives up at once on the lists' lock,
# which cloud-init or unattended-upgrades hold for minutes on a fresh machine. So an
# update that failed on a lock is tried again (any other failure is final).
tries=${CACI_APT_TRIES:-20}
for ((try = 1; ; try++)); do
    if errors=$("${apt[@]}" update 2>&1 >/dev/null); then
        break
    fi
    if ((try >= tries)) || ! grep -q "Could not get lock" <<<"$errors"; then
        echo "$errors" >&2
        give_up "apt-get update failed."
    fi
    echo "setup-browser: another apt run holds its lock; trying again..." >&2
    sleep "${CACI_APT_WAIT:-15}"
done
# DejaVu: the font the tests' pages are measured in here (a minimal image could get
# another of fontconfig's alternatives, and labels of other widths).
if ! "${apt[@]}" install --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null; then
    give_up "apt-get install chromium chromium-driver failed."
fi
[[ -x "$BROWSER" && -x "$DRIVER" ]] || give_up "installed, but $BROWSER or $DRIVER is still missing."
echo "setup-browser: $("$BROWSER" --version 2>/dev/null || echo chromium) installed." >&2
