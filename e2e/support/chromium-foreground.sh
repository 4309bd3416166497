#!/bin/sh
# Starts Debian's Chromium at foreground-app priority (nice -10) so frame timings measure the
# studio, not the other test runs sharing this machine's cores. Where raising the priority is
# not permitted, GNU nice warns and runs it at normal priority.
exec nice -n -10 "${BOFT_CHROMIUM_BIN:-/usr/bin/chromium}" "$@"
