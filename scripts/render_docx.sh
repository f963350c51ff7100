#!/usr/bin/env bash
# Dev check of a generated DOCX: convert it to PDF with LibreOffice, then each page to a PNG to look at.
#   scripts/render_docx.sh FILE.docx OUTDIR   ->  OUTDIR/FILE.pdf, OUTDIR/FILE-1.png, OUTDIR/FILE-2.png, ...
# Needs LibreOffice (soffice) and, for the page images, pdftoppm from poppler-utils.
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: $0 FILE.docx OUTDIR" >&2
  exit 2
fi
docx=$1
outdir=$2
if [ ! -f "$docx" ]; then
  echo "$0: no such file: $docx" >&2
  exit 2
fi
if ! command -v soffice >/dev/null 2>&1; then
  echo "$0: soffice not found; install LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer)" >&2
  exit 3
fi
mkdir -p "$outdir"
stem=$(basename "${docx%.*}")

# A private profile so a running LibreOffice (or a locked default profile) does not swallow the conversion.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf --outdir "$outdir" "$docx" >/dev/null
pdf="$outdir/$stem.pdf"
if [ ! -s "$pdf" ]; then
  echo "$0: LibreOffice produced no PDF for $docx" >&2
  exit 4
fi
echo "$pdf"

if command -v pdftoppm >/dev/null 2>&1; then
  pdftoppm -png -r 60 "$pdf" "$outdir/$stem"
  ls "$outdir/$stem"-*.png
  exit 0
fi

echo "$0: pdftoppm not found, so no page images; the PDF is above." >&2
echo "$0: install poppler-utils for them (Debian/Ubuntu: apt-get install poppler-utils; macOS: brew install poppler)." >&2
exit 5
