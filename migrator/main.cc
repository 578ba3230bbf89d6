// migrator: schema migrations and the import of a legacy OpsBrain SQLite
// file, through the storage service's internal gRPC API. It never opens the
// store's database itself: it dials a running storage service, or with
// --own-storage starts one of its own on loopback (own_storage.h). See
// kUsage for commands, flags and exit codes (also in migrator/exit_codes.h).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
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
#include "common/release_mutex_mode.h"
#include "migrator/exit_codes.h"
#include "migrator/import_job.h"
#include "migrator/own_storage.h"
#include "migrator/progress.h"
#include "migrator/schema_commands.h"
#include "migrator/store_client.h"
#include "migrator/summary.h"
#include "opsbrain/v1/internal.pb.h"

ABSL_FLAG(std::string, storage, "127.0.0.1:50051",
          "gRPC address of the storage service. Env: STORAGE_ADDR.");
ABSL_FLAG(std::string, from, "",
          "The legacy OpsBrain SQLite file. Env: LEGACY_DB.");
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
ABSL_FLAG(std::string, own_storage, "",
          "Path of the storage_service binary: start it on loopback against "
          "DATABASE_URL and talk to it instead of --storage. Env: "
          "MIGRATOR_OWN_STORAGE.");
ABSL_FLAG(absl::Duration, own_storage_wait, absl::Seconds(60),
          "How long the own storage service may take to listen.");
ABSL_FLAG(bool, dry_run, false,
          "up: print the plan and the SQL that would run; change nothing.");
ABSL_FLAG(absl::Duration, lock_timeout, absl::Seconds(60),
          "up, baseline: how long to wait for another run's migration lock.");
ABSL_FLAG(std::string, report, "",
          "import, verify, deploy: also write the report as JSON to FILE.");
ABSL_FLAG(std::string, progress, "auto",
          "auto (a bar on a terminal, else JSON lines), bar, json or none; on "
          "stderr.");
ABSL_FLAG(absl::Duration, progress_interval, absl::Seconds(1),
          "Least time between two JSON progress records of a table.");

namespace opsbrain::migrator {
namespace {

constexpr char kUsage[] = R"(usage: migrator COMMAND [FLAGS]

Commands:
  status                  the store's schema version, applied and pending
                          migrations, failed attempts and history problems
  up                      apply pending migrations, one transaction each,
                          under the migration lock (nothing to do is fine);
                          a failed one is rolled back and recorded, and the
                          next `up` retries it
  up --dry-run            print the plan and the SQL that would run; change
                          nothing
  validate                check the applied migrations against the storage
                          service's (edited, unknown, out of order: exit 7)
  baseline                adopt a schema the old app created (no history):
                          check its tables and columns against migration 1
                          and record it as version 1, so that `up` upgrades
                          it in place
  import --from PATH      import a legacy OpsBrain SQLite file (read-only),
                          verify every row, then rename the file to
                          PATH.migrated-<UTC time> and save a report beside it
  verify --from PATH      convert and verify only: write and rename nothing
  deploy [--from PATH]    the pre-deploy step: `up`, then, when a legacy
                          file is named, import it as `import --keep` does
                          but without a report file (the summary on stdout
                          is the deploy log's record); the file is never
                          renamed, so a read-only mount works, and a later
                          deploy that names it again adds nothing

Flags (a '-' in a name may be written '_'):
  --storage ADDR          storage service, default 127.0.0.1:50051
                          (env STORAGE_ADDR)
  --from PATH             the legacy file (import, verify, deploy)
                          (env LEGACY_DB)
  --skip-bad-rows         import the rows that convert, list the others in
                          the summary and the report file
  --keep                  leave the legacy file in place after an import
  --batch-size N          rows per import message, 1..5000 (default 500)
  --connect-timeout D     wait for the storage service (default 10s)
  --timeout D             deadline of each call (default 10m)
  --tls-ca FILE           dial over TLS (env STORAGE_TLS_CA); with
  --tls-cert, --tls-key   a client certificate (env MIGRATOR_TLS_CERT/_KEY)
  --own-storage PATH      start the storage_service binary at PATH as a
                          child on 127.0.0.1 (a free port, TLS off) against
                          DATABASE_URL, which must be set (sqlite://PATH for
                          a SQLite file), run the command against it, then
                          stop it (SIGTERM, at most 15 s); excludes
                          --storage (env MIGRATOR_OWN_STORAGE). For a
                          pre-deploy step: the live replicas may still run
                          the previous version.
  --own-storage-wait D    how long it may take to listen (default 60s)
  --dry-run               up: print the plan; change nothing
  --lock-timeout D        up, baseline: wait this long for another run's
                          migration lock, then fail (default 60s)
  --report FILE           import, verify, deploy: also write the report as
                          JSON to FILE (replaced), whatever the outcome
  --progress MODE         auto (default: a bar when stderr is a terminal,
                          else one JSON record per line), bar, json, none
  --progress-interval D   least time between JSON records (default 1s)

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
  5  the storage service is unreachable or unavailable (or the own storage
     service did not start)
  6  the legacy file is missing, not SQLite, corrupt, not an OpsBrain
     database, or the store's own database
  7  the schema history does not match the storage service's migrations
     (edited, unknown or out-of-order): validate failed, up refused
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
    {"own_storage", false, &Parses<std::string>},
    {"own_storage_wait", false, &Parses<absl::Duration>},
    {"dry_run", true, &Parses<bool>},
    {"lock_timeout", false, &Parses<absl::Duration>},
    {"report", false, &Parses<std::string>},
    {"progress", false, &Parses<std::string>},
    {"progress_interval", false, &Parses<absl::Duration>},
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

SchemaCommandOptions SchemaOptions() {
  SchemaCommandOptions options;
  options.dry_run = absl::GetFlag(FLAGS_dry_run);
  options.lock_timeout = absl::GetFlag(FLAGS_lock_timeout);
  return options;
}

int Up(StoreClient& store) {
  return RunUpCommand(store, SchemaOptions(), std::cout, std::cerr);
}

int Import(StoreClient& store, bool verify_only, bool for_deploy = false) {
  ImportJobOptions options;
  options.legacy_path = absl::GetFlag(FLAGS_from);
  options.skip_bad_rows = absl::GetFlag(FLAGS_skip_bad_rows);
  options.keep = absl::GetFlag(FLAGS_keep) || for_deploy;
  options.write_report = !for_deploy;
  options.verify_only = verify_only;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  options.json_report_path = absl::GetFlag(FLAGS_report);

  // Progress on stderr, so that stdout keeps the summary. The flag was
  // checked in Main.
  ProgressOptions progress_options;
  progress_options.style = ParseProgressStyle(absl::GetFlag(FLAGS_progress),
                                              isatty(STDERR_FILENO) == 1)
                               .value_or(ProgressStyle::kNone);
  progress_options.out = &std::cerr;
  progress_options.interval = absl::GetFlag(FLAGS_progress_interval);
  Progress progress(progress_options);
  options.progress = &progress;

  const JobResult result = RunImportJob(store, options);
  // No tables: the job stopped before it could read the legacy file.
  if (!result.report.tables.empty()) {
    std::cout << FormatSummary(result.report) << std::flush;
  }
  if (!result.error.empty()) std::cerr << "migrator: " << result.error << "\n";
  return result.exit_code;
}

// `up`, then the import of the legacy file when one is named.
int Deploy(StoreClient& store) {
  const int up = Up(store);
  if (up != kExitOk) return up;
  if (absl::GetFlag(FLAGS_from).empty()) {
    std::cout << "No legacy file named (--from, LEGACY_DB): nothing to "
                 "import.\n";
    return kExitOk;
  }
  return Import(store, /*verify_only=*/false, /*for_deploy=*/true);
}

int RunCommand(const std::string& command, StoreClient& store) {
  if (command == "status") return RunStatusCommand(store, std::cout, std::cerr);
  if (command == "up") return Up(store);
  if (command == "validate") {
    return RunValidateCommand(store, std::cout, std::cerr);
  }
  if (command == "baseline") {
    return RunBaselineCommand(store, SchemaOptions(), std::cout, std::cerr);
  }
  if (command == "deploy") return Deploy(store);
  return Import(store, command == "verify");
}

// True when the command line itself names --storage.
bool NamesStorageFlag(const std::vector<std::string>& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == "--storage" || args[i] == "-storage" ||
        absl::StartsWith(args[i], "--storage=") ||
        absl::StartsWith(args[i], "-storage=")) {
      return true;
    }
  }
  return false;
}

int Main(int argc, char** argv) {
  UseReleaseMutexMode();
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
        FlagFromEnv(&FLAGS_tls_key, "MIGRATOR_TLS_KEY"),
        FlagFromEnv(&FLAGS_from, "LEGACY_DB"),
        FlagFromEnv(&FLAGS_own_storage, "MIGRATOR_OWN_STORAGE")}) {
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
  if (command != "status" && command != "up" && command != "deploy" &&
      command != "validate" && command != "baseline" && !needs_file) {
    return UsageError(absl::StrCat("unknown command '", command, "'"));
  }
  if (absl::GetFlag(FLAGS_dry_run) && command != "up") {
    return UsageError("--dry-run goes with `up` only");
  }
  if (absl::GetFlag(FLAGS_lock_timeout) < absl::ZeroDuration()) {
    return UsageError("--lock-timeout must not be negative");
  }
  if (absl::GetFlag(FLAGS_progress_interval) <= absl::ZeroDuration()) {
    return UsageError("--progress-interval must be positive");
  }
  if (absl::Status progress =
          ParseProgressStyle(absl::GetFlag(FLAGS_progress), false).status();
      !progress.ok()) {
    return UsageError(progress.message());
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

  // The own storage service: on loopback, in plaintext.
  std::unique_ptr<OwnStorage> own_storage;
  const std::string own_storage_binary = absl::GetFlag(FLAGS_own_storage);
  if (!own_storage_binary.empty()) {
    if (NamesStorageFlag(args)) {
      return UsageError("--own-storage and --storage exclude each other");
    }
    // Unset, the storage service would use a SQLite file in the working
    // directory: on a deploy platform, an ephemeral one.
    const char* database_url = std::getenv("DATABASE_URL");
    if (database_url == nullptr || *database_url == '\0') {
      return UsageError(
          "--own-storage needs DATABASE_URL: the store's database "
          "(postgres://... in production, sqlite://PATH for a SQLite file)");
    }
    OwnStorageOptions own_options;
    own_options.binary = own_storage_binary;
    own_options.start_timeout = absl::GetFlag(FLAGS_own_storage_wait);
    own_options.log = &std::cerr;
    absl::StatusOr<std::unique_ptr<OwnStorage>> started =
        OwnStorage::Start(own_options);
    if (!started.ok()) {
      std::cerr << "migrator: " << started.status().message() << "\n";
      return started.status().code() == absl::StatusCode::kInvalidArgument
                 ? kExitUsage
                 : kExitUnavailable;
    }
    own_storage = *std::move(started);
    std::cerr << "migrator: own storage service (pid " << own_storage->pid()
              << ") listening on " << own_storage->address() << "\n";
    store_options.address = own_storage->address();
    store_options.tls_ca_file.clear();
    store_options.tls_cert_file.clear();
    store_options.tls_key_file.clear();
  }

  int exit_code;
  {
    absl::StatusOr<std::unique_ptr<StoreClient>> store =
        StoreClient::Connect(store_options);
    if (!store.ok()) {
      std::cerr << "migrator: " << store.status().message() << "\n";
      exit_code = store.status().code() == absl::StatusCode::kUnavailable
                      ? kExitUnavailable
                      : kExitUsage;
    } else {
      exit_code = RunCommand(command, **store);
    }
    // The client's channel closes here, before the own storage service
    // drains: it would otherwise wait for the idle connection.
  }

  if (own_storage != nullptr) {
    const int stopped = own_storage->Stop();
    if (stopped != 0) {
      std::cerr << "migrator: warning: the own storage service exited with "
                   "code "
                << stopped << " when stopped\n";
    } else {
      std::cerr << "migrator: own storage service stopped\n";
    }
  }
  return exit_code;
}

}  // namespace
}  // namespace opsbrain::migrator

int main(int argc, char** argv) { return opsbrain::migrator::Main(argc, argv); }
