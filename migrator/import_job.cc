#include "migrator/import_job.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/row_digest.h"
#include "common/status_macros.h"
#include "migrator/exit_codes.h"
#include "migrator/job_report.h"
#include "migrator/legacy_conversions.h"
#include "migrator/legacy_reader.h"
#include "migrator/store_client.h"
#include "migrator/summary.h"
#include "migrator/verifier.h"
#include "opsbrain/v1/internal.pb.h"

namespace opsbrain::migrator {
namespace {

// Rows per preflight stream. The service lists at most 1000 rejected rows
// per stream (kMaxReportedRejections), so a stream of at most that many
// rows lists every one.
constexpr int kMaxPreflightStreamRows = 1000;

// ImportRows streams for a table whose rows the store identifies by legacy
// id: it writes them with ON CONFLICT DO NOTHING, so rows of one table on
// two streams never conflict, whatever the legacy file holds. The other
// tables are small and keyed by what the legacy app wrote, so one stream
// keeps their writes in file order.
constexpr size_t kAppendOnlyImportStreams = 2;

size_t StreamsFor(absl::string_view table) {
  return table == "performance_metrics" || table == "config_audit"
             ? kAppendOnlyImportStreams
             : 1;
}

// Rows per chunk of the preflight's conversion (see Preflight).
constexpr size_t kPreflightChunkRows = 1000;

// One legacy row converted for the preflight.
struct PreflightConversion {
  absl::StatusOr<ConvertedRow> converted;
  std::vector<std::string> notes;
  // Of the converted row, and its RowDigest.
  size_t row_bytes = 0;
  std::string digest;
};

// Converts `rows` of `table`, refusing a row too large for the store.
std::vector<PreflightConversion> ConvertForPreflight(
    absl::string_view table, const std::vector<LegacyRow>& rows,
    const ConversionContext& context) {
  std::vector<PreflightConversion> conversions(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    PreflightConversion& conversion = conversions[i];
    conversion.converted =
        ConvertLegacyRow(table, rows[i], &conversion.notes, context);
    if (!conversion.converted.ok()) continue;
    conversion.row_bytes = conversion.converted->row.ByteSizeLong();
    if (conversion.row_bytes > kMaxRowBytes) {
      conversion.converted = absl::InvalidArgumentError(absl::StrCat(
          "the row is ", conversion.row_bytes,
          " bytes once converted, more than any record the store accepts (",
          kMaxRowBytes, ")"));
      continue;
    }
    conversion.digest = RowDigest(conversion.converted->row);
  }
  return conversions;
}

// The files SQLite may keep beside a database; they travel with it.
constexpr const char* kSiblingSuffixes[] = {"-wal", "-shm", "-journal"};

bool Exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat("cannot ", what, " ", path, ": ", std::strerror(errno)));
}

// Writes `content` to a new file `path`; never replaces one.
absl::Status WriteNewFile(const std::string& path, const std::string& content) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return ErrnoError("create", path);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n =
        write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status error = ErrnoError("write", path);
      close(fd);
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) return ErrnoError("write", path);
  return absl::OkStatus();
}

// Writes `content` to `path`, replacing any file there: through a
// temporary file beside it and a rename, so that a reader never sees half.
absl::Status ReplaceFile(const std::string& path, const std::string& content) {
  const std::string temporary = absl::StrCat(path, ".tmp-", getpid());
  unlink(temporary.c_str());
  OPSBRAIN_RETURN_IF_ERROR(WriteNewFile(temporary, content));
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    absl::Status error = ErrnoError("write", path);
    unlink(temporary.c_str());
    return error;
  }
  return absl::OkStatus();
}

// A legacy row the preflight accepted.
struct AcceptedRow {
  ExpectedRow expected;
  // Position of the row in its table, in rowid order.
  int64_t ordinal = 0;
  int64_t legacy_id = 0;
  // ConvertedRow::warnings, reported once the store has accepted the row.
  std::vector<std::string> warnings;
};

struct TableState {
  std::string name;
  TableReport* report = nullptr;
  std::vector<AcceptedRow> accepted;
  // By ordinal: true for rows that are not to be imported.
  std::vector<bool> rejected;
};

class ImportJob {
 public:
  ImportJob(StoreClient& store, const ImportJobOptions& options)
      : store_(store), options_(options) {}

  JobResult Run() {
    JobResult result;
    absl::Status status = RunPhases();
    if (options_.progress != nullptr) options_.progress->Finish();
    result.exit_code = status.ok() ? exit_code_ : failure_code_;
    if (!status.ok()) result.error = std::string(status.message());
    if (status.ok() && exit_code_ != kExitOk) result.error = outcome_;
    WriteJsonReport(&result);
    result.report = std::move(report_);
    return result;
  }

 private:
  absl::Status StoreFailure(absl::Status status) {
    const bool unreachable =
        status.code() == absl::StatusCode::kUnavailable ||
        status.code() == absl::StatusCode::kDeadlineExceeded;
    failure_code_ = unreachable ? kExitUnavailable : kExitFailure;
    classified_ = true;
    if (unreachable) {
      return absl::UnavailableError(
          absl::StrCat("the storage service at ", store_.address(),
                       " is unavailable: ", status.message()));
    }
    return status;
  }

  absl::Status FileFailure(absl::Status status) {
    failure_code_ = kExitLegacyFileUnusable;
    return status;
  }

  absl::Status InternalFailure(absl::Status status) {
    failure_code_ = kExitFailure;
    classified_ = true;
    return status;
  }

  // A failure of ForEachRow: the visitor's own (already classified) or one
  // of the file.
  absl::Status ReadFailure(absl::Status status) {
    return classified_ ? status : FileFailure(std::move(status));
  }

  // The JSON report, whatever the outcome. Failing to write it fails a job
  // that had succeeded.
  void WriteJsonReport(JobResult* result) {
    if (options_.json_report_path.empty()) return;
    const absl::Status written = ReplaceFile(
        options_.json_report_path,
        FormatJsonReport(report_, result->exit_code, result->error));
    if (written.ok()) return;
    if (result->exit_code == kExitOk) {
      result->exit_code = kExitFailure;
      result->error = std::string(written.message());
    } else {
      absl::StrAppend(&result->error, "; ", written.message());
    }
  }

  void StartProgress(absl::string_view phase, const TableState& table,
                     int64_t total) {
    if (options_.progress != nullptr) {
      options_.progress->Start(phase, table.name, total);
    }
  }

  void UpdateProgress(int64_t rows) {
    if (options_.progress != nullptr) options_.progress->Update(rows);
  }

  void FinishProgress() {
    if (options_.progress != nullptr) options_.progress->Finish();
  }

  absl::Status RunPhases() {
    report_.legacy_path = options_.legacy_path;
    OPSBRAIN_RETURN_IF_ERROR(CheckSchema());
    OPSBRAIN_RETURN_IF_ERROR(OpenLegacyFile());
    absl::StatusOr<ConversionContext> context = ReadConversionContext(*file_);
    if (!context.ok()) return FileFailure(context.status());
    context_ = *std::move(context);
    for (TableState& table : tables_) {
      OPSBRAIN_RETURN_IF_ERROR(Preflight(table));
    }
    if (!report_.rejected.empty() && !options_.skip_bad_rows) {
      exit_code_ = kExitBadRows;
      outcome_ = absl::StrCat(
          report_.rejected.size(),
          " legacy rows cannot be imported (listed in the summary); nothing "
          "was written and ",
          options_.legacy_path,
          " stays in place. Fix them in the legacy file, or run again with "
          "--skip-bad-rows to import the other rows.");
      return absl::OkStatus();
    }

    if (!options_.verify_only) {
      for (TableState& table : tables_) {
        OPSBRAIN_RETURN_IF_ERROR(Import(table));
      }
      report_.imported = true;
    }

    // The whole-table checksums read the store while the verification
    // compares rows: both only read, and neither needs the other.
    std::future<absl::StatusOr<v1::GetTableChecksumsResponse>> checksums =
        std::async(std::launch::async, [this, request = ChecksumsRequest()] {
          return ReadChecksums(request);
        });
    for (TableState& table : tables_) {
      OPSBRAIN_RETURN_IF_ERROR(Verify(table));
    }
    OPSBRAIN_RETURN_IF_ERROR(ApplyChecksums(checksums.get()));
    report_.verified = true;
    if (!report_.problems.empty()) {
      exit_code_ = kExitVerificationFailed;
      outcome_ = absl::StrCat("verification failed: ", report_.problems.size(),
                              " legacy rows are missing from the store or "
                              "differ (listed in the summary); ",
                              options_.legacy_path, " stays in place.");
      return absl::OkStatus();
    }
    if (options_.verify_only) return absl::OkStatus();

    // The read transaction ends here, before the file is renamed.
    file_.reset();
    return Archive();
  }

  absl::Status CheckSchema() {
    absl::StatusOr<v1::SchemaStatus> schema = store_.GetSchemaStatus();
    if (!schema.ok()) return StoreFailure(schema.status());
    if (schema->current_version() < schema->latest_version()) {
      failure_code_ = kExitFailure;
      return absl::FailedPreconditionError(absl::StrCat(
          "the store's schema is at version ", schema->current_version(),
          " of ", schema->latest_version(),
          ": run `migrator up` before importing"));
    }
    return absl::OkStatus();
  }

  absl::Status OpenLegacyFile() {
    absl::StatusOr<std::unique_ptr<LegacyFile>> file =
        LegacyFile::Open(options_.legacy_path);
    if (!file.ok()) return FileFailure(file.status());
    file_ = *std::move(file);
    // Sized once: tables_ keeps pointers into it.
    report_.tables.resize(LegacyTables().size());
    for (size_t i = 0; i < LegacyTables().size(); ++i) {
      TableReport& report = report_.tables[i];
      report.table = LegacyTables()[i].name;
      report.in_legacy_file = file_->HasTable(report.table);
      if (!report.in_legacy_file) continue;
      report.missing_columns = file_->MissingColumns(report.table);
      TableState state;
      state.name = report.table;
      state.report = &report;
      tables_.push_back(std::move(state));
    }
    return absl::OkStatus();
  }

  // Sends `request` on `*stream`, opening it first if needed.
  absl::Status Send(std::unique_ptr<ImportStream>* stream,
                    v1::ImportRowsRequest* request) {
    if (request->rows_size() == 0) return absl::OkStatus();
    if (*stream == nullptr) *stream = store_.StartImport();
    if (!(*stream)->Write(*request)) {
      absl::StatusOr<v1::ImportRowsResponse> response = (*stream)->Finish();
      return StoreFailure(
          response.ok()
              ? absl::InternalError("ImportRows: the stream closed early")
              : response.status());
    }
    request->clear_rows();
    request_bytes_ = 0;
    return absl::OkStatus();
  }

  // Adds `row` to `request`, sending the request first when the row would
  // take it past kMaxRequestBytes.
  absl::Status Add(std::unique_ptr<ImportStream>* stream,
                   v1::ImportRowsRequest* request, v1::ImportedRow row,
                   size_t row_bytes) {
    if (request->rows_size() > 0 &&
        request_bytes_ + row_bytes > kMaxRequestBytes) {
      OPSBRAIN_RETURN_IF_ERROR(Send(stream, request));
    }
    request_bytes_ += row_bytes;
    *request->add_rows() = std::move(row);
    return absl::OkStatus();
  }

  // Ends a stream and returns its answer for `table`.
  absl::StatusOr<v1::ImportRowsResponse> Finish(ImportStream& stream) {
    absl::StatusOr<v1::ImportRowsResponse> response = stream.Finish();
    if (!response.ok()) {
      return StoreFailure(response.status());
    }
    return response;
  }

  static const v1::TableImportCounts* CountsOf(
      const v1::ImportRowsResponse& response, absl::string_view table) {
    for (const v1::TableImportCounts& counts : response.tables()) {
      if (counts.table_name() == table) return &counts;
    }
    return nullptr;
  }

  // Converts every row of `table` and lets the store validate the accepted
  // ones, without writing.
  absl::Status Preflight(TableState& table) {
    // Rows go to the store kMaxPreflightStreamRows to a stream. A full
    // stream is finished only once the next one is full too, so that the
    // store validates the one while the rows of the other are read.
    struct ValidationStream {
      std::unique_ptr<ImportStream> stream;
      // Index into table.accepted of each row sent on the stream.
      std::vector<size_t> sent;
    };
    ValidationStream current;
    ValidationStream previous;
    v1::ImportRowsRequest request;
    request.set_validate_only(true);

    const auto finish = [&](ValidationStream& done) -> absl::Status {
      if (done.stream == nullptr) return absl::OkStatus();
      OPSBRAIN_ASSIGN_OR_RETURN(const v1::ImportRowsResponse response,
                                Finish(*done.stream));
      done.stream.reset();
      const v1::TableImportCounts* counts = CountsOf(response, table.name);
      if (counts == nullptr ||
          counts->received() != static_cast<int64_t>(done.sent.size()) ||
          counts->rejected() != response.rejected_size()) {
        return StoreFailure(absl::InternalError(
            absl::StrCat("ImportRows: the validation counts of ", table.name,
                         " do not match the rows sent")));
      }
      for (const v1::RejectedRow& rejected : response.rejected()) {
        if (rejected.stream_index() < 0 ||
            rejected.stream_index() >= static_cast<int64_t>(done.sent.size())) {
          return StoreFailure(absl::InternalError(
              "ImportRows: a rejected row's stream_index is out of range"));
        }
        AcceptedRow& row = table.accepted[done.sent[rejected.stream_index()]];
        table.rejected[row.ordinal] = true;
        ++table.report->rejected;
        report_.rejected.push_back({table.name, row.expected.display_key,
                                    row.legacy_id, rejected.reason(), true});
      }
      done.sent.clear();
      return absl::OkStatus();
    };
    const auto end_current = [&]() -> absl::Status {
      OPSBRAIN_RETURN_IF_ERROR(Send(&current.stream, &request));
      OPSBRAIN_RETURN_IF_ERROR(finish(previous));
      previous = std::move(current);
      current = ValidationStream();
      return absl::OkStatus();
    };

    // One row's place in the report and on the stream, in file order.
    int64_t ordinal = 0;
    const auto accept = [&](const LegacyRow& row,
                            PreflightConversion& conversion) -> absl::Status {
      const int64_t position = ordinal++;
      UpdateProgress(ordinal);
      ++table.report->read;
      table.rejected.push_back(false);
      absl::StatusOr<ConvertedRow>& converted = conversion.converted;
      if (!converted.ok()) {
        table.rejected[position] = true;
        ++table.report->rejected;
        report_.rejected.push_back(
            {table.name, LegacyKeyOf(table.name, row), LegacyIdOf(row),
             std::string(converted.status().message()), false});
        return absl::OkStatus();
      }
      for (const std::string& note : conversion.notes) {
        ++table.report->notes[note];
      }

      AcceptedRow accepted;
      accepted.expected.key = converted->key;
      accepted.expected.display_key = LegacyKeyOf(table.name, row);
      accepted.expected.digest = std::move(conversion.digest);
      accepted.expected.expire_time = converted->expire_time;
      accepted.ordinal = position;
      accepted.legacy_id = LegacyIdOf(row);
      accepted.warnings = std::move(converted->warnings);
      table.accepted.push_back(std::move(accepted));
      OPSBRAIN_RETURN_IF_ERROR(Add(&current.stream, &request,
                                   std::move(converted->row),
                                   conversion.row_bytes));
      current.sent.push_back(table.accepted.size() - 1);

      if (request.rows_size() >= options_.batch_size) {
        OPSBRAIN_RETURN_IF_ERROR(Send(&current.stream, &request));
      }
      if (current.sent.size() >= static_cast<size_t>(kMaxPreflightStreamRows)) {
        OPSBRAIN_RETURN_IF_ERROR(end_current());
      }
      return absl::OkStatus();
    };

    // Rows go through in chunks: while one chunk is converted on a thread
    // of its own, this one reads the next and sends the one before.
    std::vector<LegacyRow> reading;
    std::vector<LegacyRow> converting_rows;
    // Declared after the rows it reads: an early return waits for it.
    std::future<std::vector<PreflightConversion>> converting;
    const auto advance = [&]() -> absl::Status {
      std::vector<LegacyRow> converted_rows;
      std::vector<PreflightConversion> conversions;
      if (converting.valid()) {
        conversions = converting.get();
        converted_rows = std::move(converting_rows);
      }
      converting_rows = std::move(reading);
      reading.clear();
      if (!converting_rows.empty()) {
        converting =
            std::async(std::launch::async, [this, &table, &converting_rows] {
              return ConvertForPreflight(table.name, converting_rows, context_);
            });
      }
      for (size_t i = 0; i < converted_rows.size(); ++i) {
        OPSBRAIN_RETURN_IF_ERROR(accept(converted_rows[i], conversions[i]));
      }
      return absl::OkStatus();
    };

    absl::StatusOr<int64_t> total = file_->CountRows(table.name);
    if (!total.ok()) return FileFailure(total.status());
    StartProgress("preflight", table, *total);
    absl::Status status =
        file_->ForEachRow(table.name, [&](LegacyRow& row) -> absl::Status {
          reading.push_back(std::move(row));
          if (reading.size() < kPreflightChunkRows) return absl::OkStatus();
          return advance();
        });
    // The last chunk read, then the last converted.
    if (status.ok()) status = advance();
    if (status.ok()) status = advance();
    if (!status.ok()) return ReadFailure(std::move(status));
    OPSBRAIN_RETURN_IF_ERROR(end_current());
    OPSBRAIN_RETURN_IF_ERROR(finish(previous));
    FinishProgress();

    // Rows the store refused are not imported, and so not verified; their
    // warnings go with them, since the rejection says more.
    std::vector<AcceptedRow> kept;
    kept.reserve(table.accepted.size());
    for (AcceptedRow& row : table.accepted) {
      if (table.rejected[row.ordinal]) continue;
      if (!row.warnings.empty()) ++table.report->warned;
      for (std::string& warning : row.warnings) {
        report_.warnings.push_back({table.name, row.expected.display_key,
                                    row.legacy_id, std::move(warning)});
      }
      row.warnings.clear();
      kept.push_back(std::move(row));
    }
    table.accepted = std::move(kept);
    return absl::OkStatus();
  }

  // Reads `table` again and streams its accepted rows into the store.
  absl::Status Import(TableState& table) {
    if (table.accepted.empty()) return absl::OkStatus();
    StartProgress("import", table, static_cast<int64_t>(table.accepted.size()));
    // Messages go to the streams in turn, so that the service writes one
    // stream's batch while the next is read and converted (each stream is
    // served by its own thread and database connection).
    std::vector<std::unique_ptr<ImportStream>> streams(StreamsFor(table.name));
    size_t next_stream = 0;
    v1::ImportRowsRequest request;
    const auto send = [&]() -> absl::Status {
      if (request.rows_size() == 0) return absl::OkStatus();
      OPSBRAIN_RETURN_IF_ERROR(Send(&streams[next_stream], &request));
      next_stream = (next_stream + 1) % streams.size();
      return absl::OkStatus();
    };
    int64_t ordinal = 0;
    int64_t sent = 0;
    int64_t done = 0;
    absl::Status status = file_->ForEachRow(
        table.name, [&](const LegacyRow& row) -> absl::Status {
          const int64_t position = ordinal++;
          if (position >= static_cast<int64_t>(table.rejected.size())) {
            return InternalFailure(absl::InternalError(absl::StrCat(
                table.name, " has more rows than on the first read")));
          }
          if (table.rejected[position]) return absl::OkStatus();
          absl::StatusOr<ConvertedRow> converted =
              ConvertLegacyRow(table.name, row, nullptr, context_);
          if (!converted.ok()) {
            return InternalFailure(absl::InternalError(absl::StrCat(
                table.name, " row ", position,
                " no longer converts: ", converted.status().message())));
          }
          UpdateProgress(++done);
          if (converted->expire_time.has_value() &&
              *converted->expire_time <= options_.clock()) {
            ++table.report->expired_skipped;
            return absl::OkStatus();
          }
          const size_t row_bytes = converted->row.ByteSizeLong();
          if (request.rows_size() > 0 &&
              request_bytes_ + row_bytes > kMaxRequestBytes) {
            OPSBRAIN_RETURN_IF_ERROR(send());
          }
          OPSBRAIN_RETURN_IF_ERROR(Add(&streams[next_stream], &request,
                                       std::move(converted->row), row_bytes));
          ++sent;
          if (request.rows_size() >= options_.batch_size) return send();
          return absl::OkStatus();
        });
    if (!status.ok()) return ReadFailure(std::move(status));
    OPSBRAIN_RETURN_IF_ERROR(send());
    FinishProgress();

    v1::TableImportCounts total;
    for (std::unique_ptr<ImportStream>& stream : streams) {
      if (stream == nullptr) continue;
      OPSBRAIN_ASSIGN_OR_RETURN(const v1::ImportRowsResponse response,
                                Finish(*stream));
      const v1::TableImportCounts* counts = CountsOf(response, table.name);
      if (counts == nullptr) {
        return StoreFailure(absl::InternalError(absl::StrCat(
            "ImportRows: the store counted no rows of ", table.name)));
      }
      total.set_received(total.received() + counts->received());
      total.set_imported(total.imported() + counts->imported());
      total.set_already_present(total.already_present() +
                                counts->already_present());
      total.set_rejected(total.rejected() + counts->rejected());
      for (const v1::RejectedRow& rejected : response.rejected()) {
        report_.rejected.push_back(
            {table.name, rejected.key(), 0, rejected.reason(), true});
      }
    }
    if (total.received() != sent) {
      return StoreFailure(absl::InternalError(
          absl::StrCat("ImportRows: the store counted other rows of ",
                       table.name, " than were sent")));
    }
    table.report->imported = total.imported();
    table.report->already_present = total.already_present();
    // The preflight accepted these; a refusal now (a rule changed between
    // the two passes) is reported, and verification finds the rows
    // missing.
    table.report->rejected += total.rejected();
    return absl::OkStatus();
  }

  absl::Status Verify(TableState& table) {
    std::vector<ExpectedRow> rows;
    rows.reserve(table.accepted.size());
    for (const AcceptedRow& row : table.accepted) rows.push_back(row.expected);
    StartProgress("verify", table, static_cast<int64_t>(rows.size()));
    absl::Status status = VerifyTable(
        table.name, rows, options_.clock(),
        [this](const v1::GetRowDigestsRequest& request) {
          return store_.GetRowDigests(request);
        },
        [this](int64_t compared) { UpdateProgress(compared); },
        &table.report->verification, &report_.problems);
    FinishProgress();
    if (!status.ok()) {
      return StoreFailure(std::move(status));
    }
    const TableVerification& v = table.report->verification;
    table.report->verification.expected_rows =
        v.verified + v.missing + v.differing;
    return absl::OkStatus();
  }

  // The store's whole tables, for the summary's exact comparison.
  v1::GetTableChecksumsRequest ChecksumsRequest() const {
    v1::GetTableChecksumsRequest request;
    for (const TableState& table : tables_) {
      request.add_table_names(table.name);
    }
    return request;
  }

  // On a thread of its own.
  absl::StatusOr<v1::GetTableChecksumsResponse> ReadChecksums(
      const v1::GetTableChecksumsRequest& request) const {
    if (request.table_names_size() == 0) {
      return v1::GetTableChecksumsResponse();
    }
    return store_.GetTableChecksums(request);
  }

  absl::Status ApplyChecksums(
      absl::StatusOr<v1::GetTableChecksumsResponse> response) {
    if (!response.ok()) return StoreFailure(response.status());
    for (const v1::TableChecksum& checksum : response->tables()) {
      for (TableState& table : tables_) {
        if (table.name != checksum.table_name()) continue;
        table.report->verification.store_table_rows = checksum.row_count();
        table.report->verification.store_table_checksum = checksum.checksum();
      }
    }
    return absl::OkStatus();
  }

  absl::Status Archive() {
    failure_code_ = kExitFailure;
    const std::string& path = options_.legacy_path;
    const std::string stamp = absl::FormatTime(
        "%Y%m%dT%H%M%SZ", options_.clock(), absl::UTCTimeZone());
    const std::string archive = absl::StrCat(path, ".migrated-", stamp);
    if (options_.keep && !options_.write_report) return absl::OkStatus();
    if (options_.keep) {
      report_.report_path =
          absl::StrCat(path, ".import-", stamp, ".report.txt");
    } else {
      if (Exists(archive)) {
        return absl::AlreadyExistsError(absl::StrCat(
            "cannot archive ", path, ": ", archive, " already exists"));
      }
      report_.archive_path = archive;
      report_.report_path = absl::StrCat(archive, ".report.txt");
    }

    // The report first: if it cannot be written, the file stays put.
    OPSBRAIN_RETURN_IF_ERROR(
        WriteNewFile(report_.report_path, FormatSummary(report_)));
    if (options_.keep) return absl::OkStatus();

    if (rename(path.c_str(), archive.c_str()) != 0) {
      absl::Status error = ErrnoError("rename", path);
      unlink(report_.report_path.c_str());
      report_.archive_path.clear();
      report_.report_path.clear();
      return error;
    }
    for (const char* suffix : kSiblingSuffixes) {
      const std::string sibling = absl::StrCat(path, suffix);
      if (!Exists(sibling)) continue;
      if (rename(sibling.c_str(), absl::StrCat(archive, suffix).c_str()) != 0) {
        return ErrnoError("rename", sibling);
      }
    }
    return absl::OkStatus();
  }

  StoreClient& store_;
  const ImportJobOptions& options_;
  std::unique_ptr<LegacyFile> file_;
  // What row conversions need of other tables (sensitive configurations).
  ConversionContext context_;
  std::vector<TableState> tables_;
  JobReport report_;

  // The exit code when every phase ran (0, 3 or 4) and why it is not 0.
  ExitCode exit_code_ = kExitOk;
  std::string outcome_;
  // The exit code of the error RunPhases returns.
  ExitCode failure_code_ = kExitFailure;
  // Whether failure_code_ was set for the error on its way up.
  bool classified_ = false;
  // Bytes of the rows in the request being filled.
  size_t request_bytes_ = 0;
};

}  // namespace

JobResult RunImportJob(StoreClient& store, const ImportJobOptions& options) {
  return ImportJob(store, options).Run();
}

}  // namespace opsbrain::migrator
