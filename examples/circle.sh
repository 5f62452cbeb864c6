#!/bin/sh
# Rebuilds examples/circle.png: the circle data, the default 2-4-2-1 tanh network,
# seed 0.53049, trained 300 epochs.
set -e
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nneq train --dataset circle --seed 0.53049 --epochs 300 --quiet --out "$work/circle.json"
nneq plot "$work/circle.json" --out "$here/circle.png"
