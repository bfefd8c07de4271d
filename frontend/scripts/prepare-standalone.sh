#!/usr/bin/env bash
# Completes `next build`'s standalone output: it leaves out `.next/static` and `public/`,
# without which the pages never hydrate. Run from anywhere; npm runs it as `postbuild`.
set -euo pipefail
cd "$(dirname "$0")/.."

standalone=.next/standalone
if [ ! -f "$standalone/server.js" ]; then
  echo "prepare-standalone: $standalone/server.js not found; run 'npm run build' first" >&2
  exit 1
fi
rm -rf "$standalone/.next/static" "$standalone/public"
mkdir -p "$standalone/.next"
cp -R .next/static "$standalone/.next/static"
if [ -d public ]; then
  cp -R public "$standalone/public"
fi
