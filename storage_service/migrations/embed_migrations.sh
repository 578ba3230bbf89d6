#!/bin/bash
# Writes a C++ source that holds the given migration files as string
# literals: embed_migrations.sh OUT.cc DIALECT=FILE...
set -euo pipefail
out="$1"
shift
delimiter="opsbrain_sql"
{
  echo "// Generated from storage_service/migrations/*/*.sql. Do not edit."
  echo '#include "storage_service/migrations/embedded.h"'
  echo
  echo "namespace opsbrain::migrations {"
  echo
  echo "const EmbeddedFile kEmbeddedFiles[] = {"
  for spec in "$@"; do
    dialect="${spec%%=*}"
    file="${spec#*=}"
    if grep -q ")${delimiter}\"" "${file}"; then
      echo "${file} contains the literal delimiter" >&2
      exit 1
    fi
    printf '    {"%s", "%s", R"%s(' "${dialect}" "$(basename "${file}")" \
      "${delimiter}"
    cat "${file}"
    printf ')%s"},\n' "${delimiter}"
  done
  echo "};"
  echo
  echo "const int kEmbeddedFileCount ="
  echo "    sizeof(kEmbeddedFiles) / sizeof(kEmbeddedFiles[0]);"
  echo
  echo "}  // namespace opsbrain::migrations"
} >"${out}"
