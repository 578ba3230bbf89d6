// migrator: schema migrations and the import of a legacy OpsBrain SQLite
// file, through the storage service's internal gRPC API. It never opens the
// store's database itself. See kUsage for commands, flags and exit codes
// (also in migrator/exit_codes.h).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/env_flags.h"
#include "migrator/exit_codes.h"
#include "migrator/import_job.h"
#include "migrator/store_client.h"
#include "migrator/summary.h"
#include "opsbrain/v1/internal.pb.h"

ABSL_FLAG(std::string, storage, "127.0.0.1:50051",
          "gRPC address of the storage service. Env: STORAGE_ADDR.");
ABSL_FLAG(std::string, from, "", "The legacy OpsBrain SQLite file.");
ABSL_FLAG(bool, skip_bad_rows, false,
          "Import the rows that convert; list the others.");
ABSL_FLAG(bool, keep, false, "Leave the legacy file in place after import.");
ABSL_FLAG(int, batch_size, opsbrain::migrator::kDefaultBatchSize,
          "Rows per import message.");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10),
          "How long to wait for the storage service.");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(10),
          "Deadline of each call to the storage service.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA file: dial the storage service over TLS. Env: "
          "STORAGE_TLS_CA.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate for mTLS. Env: MIGRATOR_TLS_CERT.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM client key for mTLS. Env: MIGRATOR_TLS_KEY.");

namespace opsbrain::migrator {
namespace {

constexpr char kUsage[] = R"(usage: migrator COMMAND [FLAGS]

Commands:
  status                  the store's schema version and pending migrations
  up                      apply pending migrations (nothing to do is fine)
  import --from PATH      import a legacy OpsBrain SQLite file (read-only),
                          verify every row, then rename the file to
                          PATH.migrated-<UTC time> and save a report beside it
  verify --from PATH      convert and verify only: write and rename nothing

Flags (a '-' in a name may be written '_'):
  --storage ADDR          storage service, default 127.0.0.1:50051
                          (env STORAGE_ADDR)
  --from PATH             the legacy file (import, verify)
  --skip-bad-rows         import the rows that convert, list the others in
                          the summary and the report file
  --keep                  leave the legacy file in place after an import
  --batch-size N          rows per import message, 1..5000 (default 500)
  --connect-timeout D     wait for the storage service (default 10s)
  --timeout D             deadline of each call (default 10m)
  --tls-ca FILE           dial over TLS (env STORAGE_TLS_CA); with
  --tls-cert, --tls-key   a client certificate (env MIGRATOR_TLS_CERT/_KEY)

The migrator refuses a file named opsbrain-store.db or holding a
schema_migrations table: that is the storage service's own database.

Exit codes:
  0  success
  1  other failure (the service refused a call: e.g. the schema is behind,
     run `migrator up`; the archive could not be written)
  2  usage error
  3  bad rows: some rows cannot be imported (without --skip-bad-rows);
     nothing was written, the legacy file stays
  4  verification failed; the legacy file stays
  5  the storage service is unreachable or unavailable
  6  the legacy file is missing, not SQLite, corrupt, not an OpsBrain
     database, or the store's own database
)";

// The flags a command line may name, and what their values must parse as.
struct KnownFlag {
  const char* name;
  bool is_bool;
  bool (*valid)(absl::string_view value, std::string* error);
};

template <typename T>
bool Parses(absl::string_view value, std::string* error) {
  T parsed;
  return absl::ParseFlag(value, &parsed, error);
}

constexpr KnownFlag kKnownFlags[] = {
    {"storage", false, &Parses<std::string>},
    {"from", false, &Parses<std::string>},
    {"skip_bad_rows", true, &Parses<bool>},
    {"keep", true, &Parses<bool>},
    {"batch_size", false, &Parses<int>},
    {"connect_timeout", false, &Parses<absl::Duration>},
    {"timeout", false, &Parses<absl::Duration>},
    {"tls_ca", false, &Parses<std::string>},
    {"tls_cert", false, &Parses<std::string>},
    {"tls_key", false, &Parses<std::string>},
};

const KnownFlag* FindFlag(absl::string_view name) {
  for (const KnownFlag& flag : kKnownFlags) {
    if (name == flag.name) return &flag;
  }
  return nullptr;
}

// The command line with '-' in flag names spelt '_', as Abseil wants them.
std::vector<std::string> NormaliseArgs(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "-")) continue;
    const size_t start = arg.find_first_not_of('-');
    const size_t end = std::min(arg.find('='), arg.size());
    for (size_t k = start; k < end && start != std::string::npos; ++k) {
      if (arg[k] == '-') arg[k] = '_';
    }
  }
  return args;
}

bool WantsHelp(const std::vector<std::string>& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-help" || args[i] == "-h" ||
        args[i] == "help") {
      return true;
    }
  }
  return false;
}

// Checks every flag's name and value before Abseil parses them, since
// Abseil's parser exits with 1 on a bad one and usage errors exit with 2.
bool CheckFlags(const std::vector<std::string>& args, std::string* error) {
  for (size_t i = 1; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--") return true;
    if (!absl::StartsWith(arg, "-")) continue;
    arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
    const size_t equals = arg.find('=');
    absl::string_view name = arg.substr(0, equals);
    const KnownFlag* flag = FindFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      flag = FindFlag(name.substr(2));
      if (flag != nullptr && (!flag->is_bool || equals != arg.npos)) {
        flag = nullptr;
      }
      if (flag != nullptr) continue;
    }
    if (flag == nullptr) {
      *error = absl::StrCat("unknown flag --", name);
      return false;
    }
    absl::string_view value;
    if (equals != arg.npos) {
      value = arg.substr(equals + 1);
    } else if (flag->is_bool) {
      continue;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      *error = absl::StrCat("flag --", name, " needs a value");
      return false;
    }
    std::string parse_error;
    if (!flag->valid(value, &parse_error)) {
      *error =
          absl::StrCat("flag --", name, ": '", value, "' is not a valid value",
                       parse_error.empty() ? "" : ": ", parse_error);
      return false;
    }
  }
  return true;
}

int UsageError(absl::string_view message) {
  std::cerr << "migrator: " << message << "\nRun `migrator --help`.\n";
  return kExitUsage;
}

int Failure(const absl::Status& status) {
  std::cerr << "migrator: " << status.message() << "\n";
  const bool unreachable = status.code() == absl::StatusCode::kUnavailable ||
                           status.code() == absl::StatusCode::kDeadlineExceeded;
  return unreachable ? kExitUnavailable : kExitFailure;
}

void PrintMigration(const v1::Migration& migration) {
  std::cout << "  " << migration.version() << "  " << migration.description();
  if (migration.has_applied_time()) {
    std::cout << "  applied "
              << absl::FormatTime(
                     "%Y-%m-%dT%H:%M:%SZ",
                     absl::FromUnixSeconds(migration.applied_time().seconds()),
                     absl::UTCTimeZone());
  }
  std::cout << "  sha256 " << migration.checksum().substr(0, 12) << "\n";
}

void PrintSchema(const v1::SchemaStatus& schema) {
  std::cout << "Schema version " << schema.current_version() << " of "
            << schema.latest_version() << " ("
            << (schema.pending_size() == 0 ? "current" : "behind") << ", "
            << schema.dialect() << ")\n";
}

int Status(StoreClient& store) {
  absl::StatusOr<v1::SchemaStatus> schema = store.GetSchemaStatus();
  if (!schema.ok()) return Failure(schema.status());
  PrintSchema(*schema);
  std::cout << "Applied:" << (schema->applied_size() == 0 ? " none" : "")
            << "\n";
  for (const v1::Migration& migration : schema->applied()) {
    PrintMigration(migration);
  }
  std::cout << "Pending:" << (schema->pending_size() == 0 ? " none" : "")
            << "\n";
  for (const v1::Migration& migration : schema->pending()) {
    PrintMigration(migration);
  }
  return kExitOk;
}

int Up(StoreClient& store) {
  absl::StatusOr<v1::ApplyMigrationsResponse> response =
      store.ApplyMigrations();
  if (!response.ok()) return Failure(response.status());
  if (response->applied_size() == 0) {
    std::cout << "Nothing to do: no pending migrations.\n";
  }
  for (const v1::Migration& migration : response->applied()) {
    std::cout << "Applied migration " << migration.version() << " ("
              << migration.description() << ")\n";
  }
  PrintSchema(response->status());
  return kExitOk;
}

int Import(StoreClient& store, bool verify_only) {
  ImportJobOptions options;
  options.legacy_path = absl::GetFlag(FLAGS_from);
  options.skip_bad_rows = absl::GetFlag(FLAGS_skip_bad_rows);
  options.keep = absl::GetFlag(FLAGS_keep);
  options.verify_only = verify_only;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);

  const JobResult result = RunImportJob(store, options);
  // No tables: the job stopped before it could read the legacy file.
  if (!result.report.tables.empty()) {
    std::cout << FormatSummary(result.report) << std::flush;
  }
  if (!result.error.empty()) std::cerr << "migrator: " << result.error << "\n";
  return result.exit_code;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<std::string> args = NormaliseArgs(argc, argv);
  if (WantsHelp(args)) {
    std::cout << kUsage;
    return kExitOk;
  }
  std::string error;
  if (!CheckFlags(args, &error)) return UsageError(error);
  for (absl::Status status :
       {FlagFromEnv(&FLAGS_storage, "STORAGE_ADDR"),
        FlagFromEnv(&FLAGS_tls_ca, "STORAGE_TLS_CA"),
        FlagFromEnv(&FLAGS_tls_cert, "MIGRATOR_TLS_CERT"),
        FlagFromEnv(&FLAGS_tls_key, "MIGRATOR_TLS_KEY")}) {
    if (!status.ok()) return UsageError(status.message());
  }
  std::vector<char*> raw;
  for (std::string& arg : args) raw.push_back(arg.data());
  const std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(raw.size()), raw.data());

  if (positional.size() != 2) {
    return UsageError(positional.size() < 2 ? "no command given"
                                            : "one command at a time");
  }
  const std::string command = positional[1];
  const bool needs_file = command == "import" || command == "verify";
  if (command != "status" && command != "up" && !needs_file) {
    return UsageError(absl::StrCat("unknown command '", command, "'"));
  }
  if (needs_file && absl::GetFlag(FLAGS_from).empty()) {
    return UsageError(absl::StrCat(command, " needs --from PATH"));
  }
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  if (batch_size < 1 || batch_size > kMaxBatchSize) {
    return UsageError(
        absl::StrCat("--batch-size must be 1 to ", kMaxBatchSize));
  }

  StoreClientOptions store_options;
  store_options.address = absl::GetFlag(FLAGS_storage);
  store_options.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  store_options.call_timeout = absl::GetFlag(FLAGS_timeout);
  store_options.tls_ca_file = absl::GetFlag(FLAGS_tls_ca);
  store_options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  store_options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  absl::StatusOr<std::unique_ptr<StoreClient>> store =
      StoreClient::Connect(store_options);
  if (!store.ok()) {
    std::cerr << "migrator: " << store.status().message() << "\n";
    return store.status().code() == absl::StatusCode::kUnavailable
               ? kExitUnavailable
               : kExitUsage;
  }

  if (command == "status") return Status(**store);
  if (command == "up") return Up(**store);
  return Import(**store, command == "verify");
}

}  // namespace
}  // namespace opsbrain::migrator

int main(int argc, char** argv) { return opsbrain::migrator::Main(argc, argv); }
