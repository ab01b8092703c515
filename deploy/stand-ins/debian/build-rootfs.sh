#!/bin/bash
# Builds the root file system of the stand-in Debian base image (what the official images start from,
# debian:<suite>-slim): a minbase debootstrap from the given mirror, with the official images' apt and
# dpkg settings and without documentation.
#   build-rootfs.sh <suite> <target dir> <mirror> <security mirror>
set -euo pipefail

suite=$1 target=$2 mirror=$3 security=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

debootstrap --variant=minbase "$suite" "$target" "$mirror"

rm -f "$target/etc/apt/sources.list"
sed -e "s|@SUITE@|$suite|g" -e "s|@MIRROR@|$mirror|g" -e "s|@SECURITY_MIRROR@|$security|g" \
  "$here/debian.sources" >"$target/etc/apt/sources.list.d/debian.sources"
install -m 0644 "$here/apt-docker-clean.conf" "$target/etc/apt/apt.conf.d/docker-clean"
install -m 0644 "$here/dpkg-slim.cfg" "$target/etc/dpkg/dpkg.cfg.d/docker"
install -m 0755 "$here/policy-rc.d" "$target/usr/sbin/policy-rc.d"

# What the slim images leave out of the packages already installed, and what the install left behind.
find "$target/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$target/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$target"/usr/share/{man,info,groff,lintian,locale}/* \
  "$target"/var/cache/apt/*.bin "$target"/var/cache/apt/archives/*.deb \
  "$target"/var/lib/apt/lists/* "$target"/var/log/*.log "$target"/var/log/apt/* "$target"/debootstrap
