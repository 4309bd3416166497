#!/bin/sh
# Starts Debian's Chromium at foreground-app priority (nice -10) so frame timings measure the
# studio, not the other test runs sharing this machine's cores. Falls back to plain priority
# where raising it is not allowed.
exec nice -n -10 "${BOFT_CHROMIUM_BIN:-/usr/bin/chromium}" "$@" 2>/dev/null || exec "${BOFT_CHROMIUM_BIN:-/usr/bin/chromium}" "$@"
