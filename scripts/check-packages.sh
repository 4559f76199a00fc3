#!/usr/bin/env bash
# Checks the packages as a user receives them: builds and packs each one, lints the tarballs with publint and
# arethetypeswrong, then installs each package's tarballs into a fresh project of its own (so that it gets only what
# a user of that package installs) and compiles a strict TypeScript file importing its main entry.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/packs"

step() { printf "\n-- %s (%s s)\n" "$*" "$SECONDS"; }

step "build and pack"
pnpm build --output-logs=errors-only
for dir in packages/*/; do
  # pnpm pack turns workspace:* into the real versions, as a publish does.
  (cd "$dir" && pnpm pack --pack-destination "$work/packs" >/dev/null)
done

step "publint and arethetypeswrong on the tarballs"
for tarball in "$work"/packs/*.tgz; do
  pnpm exec publint run "$tarball" --strict
  # The packages are ESM only, by design: require() from CommonJS and node10 resolution are not supported.
  pnpm exec attw "$tarball" --profile esm-only --format table-flipped --no-summary --no-emoji
done

# name tarball: each workspace package, and the workspace packages it depends on, directly or not.
closures=$(node --input-type=module -e '
  import { readFileSync, readdirSync } from "node:fs";
  const manifests = new Map(readdirSync("packages").map((dir) => {
    const manifest = JSON.parse(readFileSync(`packages/${dir}/package.json`, "utf8"));
    return [manifest.name, manifest];
  }));
  const internal = (m) =>
    Object.keys({ ...m.dependencies, ...m.optionalDependencies, ...m.peerDependencies }).filter((n) => manifests.has(n));
  for (const [name, manifest] of manifests) {
    const needed = new Set([name]);
    for (const n of needed) for (const dep of internal(manifests.get(n))) needed.add(dep);
    const tarballs = [...needed].map((n) => `${n.replace("@", "").replace("/", "-")}-${manifests.get(n).version}.tgz`);
    console.log(`${name} ${tarballs.join(",")}`);
  }
')
types_node=$(node -p 'require("@types/node/package.json").version')
tsc="$PWD/node_modules/.bin/tsc"

step "a strict TypeScript project per package, from its tarballs alone (skipLibCheck off)"
# Each project gets only what a user of its package installs: the package's tarball and those of the workspace
# packages it depends on, and @types/node. DOM's types are in because the MCP SDK's declarations use its fetch
# types; ours compile without them (tsconfig.base.json).
check_package() {
  local name=$1 project=$2
  local -a files
  IFS=, read -ra files <<<"$3"
  mkdir "$project" && cd "$project"
  printf '{ "name": "package-check", "private": true, "type": "module" }\n' >package.json
  printf "import * as entry from '%s';\n\nexport const loaded: object = entry;\n" "$name" >check.ts
  cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "skipLibCheck": false,
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2022",
    "lib": ["es2023", "dom"],
    "types": ["node"],
    "noEmit": true
  },
  "files": ["check.ts"]
}
JSON
  # Lifecycle scripts are skipped: the check compiles and imports, and must not build better-sqlite3 from source.
  npm install --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error \
    "${files[@]/#/$work/packs/}" "@types/node@$types_node"
  "$tsc" -p .
  node --input-type=module -e "await import('$name')"
}

# Side by side: the installs wait on the registry, the compilers on the CPU.
declare -A checks
while read -r name tarballs; do
  (check_package "$name" "$work/use-${name#@astrocyte/}" "$tarballs" >"$work/${name#@astrocyte/}.log" 2>&1) &
  checks[$name]=$!
done <<<"$closures"
failed=0
for name in "${!checks[@]}"; do
  if wait "${checks[$name]}"; then
    echo "$name: compiles and imports"
  else
    echo "$name: FAILED" && cat "$work/${name#@astrocyte/}.log" && failed=1
  fi
done
[ "$failed" = 0 ]

step "the installed astrocyte command"
"$work/use-cli/node_modules/.bin/astrocyte" --version
