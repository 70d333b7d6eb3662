#!/usr/bin/env bash
# Demo stock with a software card for every card: writes a factory stock file of COUNT cards,
# imports it as stock of PRODUCT (`tongka-counter stock import`, as the logged-in admin), then
# personalises it (`tongka-server cards personalise`) into demo-cards/<card number>.card with the
# card master keys of .tongka/server.env. Run it after Scripts/serve.sh has set up .tongka/,
# while the server runs, logged in as the admin.
#
# Usage: Scripts/demo-cards.sh PRODUCT [COUNT] [HALL]     (default 10 cards, into the warehouse)
#   CARD_TYPE (default 1) must be the product's card type.
# Numbers continue after the highest card already in demo-cards/, so the script can run again
# (FIRST_SERIAL overrides where they start, e.g. when other stock uses those numbers).
# Then: tongka-counter card read --reader sim:demo-cards/<number>.card
set -euo pipefail
cd "$(dirname "$0")/.."
product=${1:?usage: Scripts/demo-cards.sh PRODUCT [COUNT] [HALL]}
count=${2:-10}
hall=${3:-}
config=.tongka/server.env
out=demo-cards
bin=${TONGKA_BIN_DIR:-.build/${TONGKA_BUILD_CONFIGURATION:-debug}}
[ -f "$config" ] || { echo "$config is missing: run Scripts/serve.sh first" >&2; exit 1; }
setting() { grep "^$1=" "$config" | tail -1 | cut -d= -f2-; }
prefix=$(setting TONGKA_ISSUER_PREFIXES | cut -d, -f1)
issuer=$(setting TONGKA_ISSUER_ID)

mkdir -p "$out"
chmod 700 "$out"
last=0
for file in "$out/$prefix"*.card; do
  [ -e "$file" ] || continue
  serial=$(basename "$file" .card)
  serial=$((10#${serial:8}))
  [ "$serial" -gt "$last" ] && last=$serial
done
first=${FIRST_SERIAL:-$((last + 1))}
end=$((first + count - 1))
stock="$out/stock-$first-$end.csv"
{
  echo "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid"
  from=$(date +%Y%m%d)
  to=$(date -d '+10 years' +%Y%m%d)
  for serial in $(seq "$first" "$end"); do
    printf '%s%011d,%s,%s,%s,%s,D0%012X\n' "$prefix" "$serial" "$issuer" "$from" "$to" "${CARD_TYPE:-1}" "$serial"
  done
} >"$stock"
echo "== importing $stock as stock of $product"
"$bin/tongka-counter" stock import "$stock" --product "$product" ${hall:+--hall "$hall"}
echo "== personalising software cards into $out/"
"$bin/tongka-server" cards personalise --config "$config" --stock "$stock" --out "$out"
printf -v card '%s%011d' "$prefix" "$first"
echo "Read one:  $bin/tongka-counter card read --reader sim:$out/$card.card"
