#!/bin/sh
# The stand-in redis image's entrypoint (deploy/README.md says what differs from the official one).
set -e

# `docker run <image> --port 7000` or `… /etc/redis.conf`: arguments for redis-server.
case "$1" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$1" = 'redis-server' ]; then
  shift
  # The official image's redis-server is built with protected mode off; Debian's has it on, which
  # refuses every client from another container when there is no password. Placed before the other
  # options (after a configuration file, which must come first), so a later --protected-mode wins.
  case "$1" in
    *.conf)
      conf=$1
      shift
      set -- redis-server "$conf" --protected-mode no "$@"
      ;;
    *) set -- redis-server --protected-mode no "$@" ;;
  esac
  umask 0077
fi

exec "$@"
