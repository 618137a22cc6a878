#!/usr/bin/env bash
# Author a migration offline: diff the schema at HEAD against the working schema.
# `prisma migrate dev` cannot run on these machines (see shared notes); this is what works.
# Usage: npm run db:migration -- <name>
set -euo pipefail
name=${1:?usage: npm run db:migration -- <name>}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if git cat-file -e HEAD:prisma/schema.prisma 2>/dev/null && [ -n "$(ls prisma/migrations 2>/dev/null | grep -v toml)" ]; then
  git show HEAD:prisma/schema.prisma > "$tmp/prev.prisma"
  from=(--from-schema-datamodel "$tmp/prev.prisma")
else
  from=(--from-empty)
fi
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
npx prisma migrate diff "${from[@]}" --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
[ -f prisma/migrations/migration_lock.toml ] || printf 'provider = "postgresql"\n' > prisma/migrations/migration_lock.toml
echo "wrote $dir/migration.sql"
