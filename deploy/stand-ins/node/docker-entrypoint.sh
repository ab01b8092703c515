#!/bin/sh
# `docker run <image> -e "…"` or `docker run <image> script.js`: arguments that are not a command are
# node's, as in the official image.
set -e
if [ "${1#-}" != "$1" ] || { [ -n "$1" ] && ! command -v "$1" >/dev/null 2>&1; }; then
  set -- node "$@"
fi
exec "$@"
