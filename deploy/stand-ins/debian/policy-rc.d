#!/bin/sh
# A container has no init system: packages must not try to start their services when installed.
exit 101
