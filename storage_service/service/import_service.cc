#include "storage_service/service/import_service.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/row_digest.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/sync_stream.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "storage_service/importer.h"
#include "storage_service/service/import_rows.h"
#include "storage_service/service/request_context.h"
#include "storage_service/service/validation.h"

namespace opsbrain::service {
namespace {

constexpr size_t kTableCount = std::size(kImportTables);
constexpr size_t kMaxReasonBytes = 1024;

// kImportTables index of `table`, or kTableCount.
size_t TableIndex(absl::string_view table) {
  for (size_t i = 0; i < kTableCount; ++i) {
    if (table == kImportTables[i]) return i;
  }
  return kTableCount;
}

// What the response reports, accumulated over the stream.
class ImportReport {
 public:
  ImportReport() {
    for (size_t i = 0; i < kTableCount; ++i) {
      counts_[i].set_table_name(kImportTables[i]);
    }
  }

  v1::TableImportCounts* CountsFor(absl::string_view table) {
    const size_t index = TableIndex(table);
    return index < kTableCount ? &counts_[index] : nullptr;
  }

  // Position in the stream of the next row received.
  int64_t TakeStreamIndex() { return next_stream_index_++; }

  void Reject(const v1::ImportedRow& row, absl::string_view table,
              const absl::Status& reason, int64_t stream_index) {
    if (v1::TableImportCounts* counts = CountsFor(table)) {
      counts->set_rejected(counts->rejected() + 1);
    }
    if (rejected_.size() >= static_cast<size_t>(kMaxReportedRejections)) {
      return;
    }
    v1::RejectedRow rejected;
    rejected.set_table_name(std::string(table));
    rejected.set_key(ReportKeyOf(row));
    rejected.set_reason(Excerpt(reason.message(), kMaxReasonBytes));
    rejected.set_stream_index(stream_index);
    rejected_.push_back(std::move(rejected));
  }

  void WriteTo(v1::ImportRowsResponse* response) {
    for (v1::TableImportCounts& counts : counts_) {
      *response->add_tables() = std::move(counts);
    }
    for (v1::RejectedRow& rejected : rejected_) {
      *response->add_rejected() = std::move(rejected);
    }
  }

 private:
  std::array<v1::TableImportCounts, kTableCount> counts_;
  std::vector<v1::RejectedRow> rejected_;
  int64_t next_stream_index_ = 0;
};

// Converts and validates one message's rows, writes the valid ones in one
// batch (unless the message only asks for validation) and counts the
// outcome.
absl::Status ImportMessage(const v1::ImportRowsRequest& request,
                           Importer& importer, ImportReport* report) {
  std::vector<ImportedRow> valid;
  valid.reserve(request.rows_size());
  for (const v1::ImportedRow& row : request.rows()) {
    const int64_t stream_index = report->TakeStreamIndex();
    const absl::string_view table = TableOfProtoRow(row);
    if (v1::TableImportCounts* counts = report->CountsFor(table)) {
      counts->set_received(counts->received() + 1);
    }
    absl::StatusOr<ImportedRow> converted = ImportedRowFromProto(row);
    if (!converted.ok()) {
      report->Reject(row, table, converted.status(), stream_index);
      continue;
    }
    valid.push_back(*std::move(converted));
  }
  if (valid.empty() || request.validate_only()) return absl::OkStatus();

  OPSBRAIN_ASSIGN_OR_RETURN(const ImportOutcome outcome,
                            importer.ImportBatch(valid));
  if (outcome.imported.size() != valid.size()) {
    return absl::InternalError(
        absl::StrCat("importer reported ", outcome.imported.size(),
                     " outcomes for ", valid.size(), " rows"));
  }
  for (size_t i = 0; i < valid.size(); ++i) {
    v1::TableImportCounts* counts = report->CountsFor(TableOf(valid[i]));
    if (counts == nullptr) continue;
    if (outcome.imported[i]) {
      counts->set_imported(counts->imported() + 1);
    } else {
      counts->set_already_present(counts->already_present() + 1);
    }
  }
  return absl::OkStatus();
}

// Digests every stored row of `table`.
absl::Status DigestTable(Importer& importer, const std::string& table,
                         v1::TableChecksum* checksum) {
  TableDigest digest;
  absl::Status conversion = absl::OkStatus();
  v1::ImportedRow proto;
  OPSBRAIN_RETURN_IF_ERROR(
      importer.ForEachRow(table, [&](const ImportedRow& row) {
        if (!conversion.ok()) return;
        conversion = ImportedRowToProto(row, &proto);
        if (conversion.ok()) digest.Add(proto);
      }));
  OPSBRAIN_RETURN_IF_ERROR(conversion);

  checksum->set_table_name(table);
  checksum->set_row_count(digest.row_count());
  checksum->set_checksum(digest.Checksum());
  return absl::OkStatus();
}

// The importer's form of a request key; INVALID_ARGUMENT for text the
// database could not bind.
absl::StatusOr<ImportKey> KeyFromProto(const v1::RowKey& proto, int index) {
  const std::string field = absl::StrCat("keys[", index, "]");
  OPSBRAIN_RETURN_IF_ERROR(
      CheckText(absl::StrCat(field, ".key"), proto.key(), kMaxIdentifierBytes));
  OPSBRAIN_RETURN_IF_ERROR(CheckText(absl::StrCat(field, ".user_id"),
                                     proto.user_id(), kMaxIdentifierBytes));
  ImportKey key;
  key.key = proto.key();
  key.user_id = proto.user_id();
  key.legacy_id = proto.legacy_id();
  return key;
}

}  // namespace

ImportService::ImportService(Importer* importer, ReadinessGate readiness)
    : importer_(importer),
      runner_("opsbrain.v1.Import", std::move(readiness)) {}

grpc::Status ImportService::ImportRows(
    grpc::ServerContext* context,
    grpc::ServerReader<v1::ImportRowsRequest>* reader,
    v1::ImportRowsResponse* response) {
  return runner_.Run(
      *context, "ImportRows", [&](const RequestContext&) -> absl::Status {
        ImportReport report;
        v1::ImportRowsRequest request;
        while (reader->Read(&request)) {
          if (request.rows_size() > kMaxRowsPerImportMessage) {
            return absl::InvalidArgumentError(absl::StrCat(
                "rows: must hold at most ", kMaxRowsPerImportMessage,
                " rows per message, got ", request.rows_size()));
          }
          OPSBRAIN_RETURN_IF_ERROR(ImportMessage(request, *importer_, &report));
        }
        report.WriteTo(response);
        return absl::OkStatus();
      });
}

grpc::Status ImportService::GetTableChecksums(
    grpc::ServerContext* context, const v1::GetTableChecksumsRequest* request,
    v1::GetTableChecksumsResponse* response) {
  return runner_.Run(
      *context, "GetTableChecksums",
      [&](const RequestContext&) -> absl::Status {
        std::vector<std::string> tables(request->table_names().begin(),
                                        request->table_names().end());
        for (size_t i = 0; i < tables.size(); ++i) {
          if (!IsImportTable(tables[i])) {
            return absl::InvalidArgumentError(
                absl::StrCat("table_names[", i, "]: unknown table '",
                             Excerpt(tables[i]), "'"));
          }
        }
        if (tables.empty()) {
          tables.assign(std::begin(kImportTables), std::end(kImportTables));
        }

        for (const std::string& table : tables) {
          OPSBRAIN_RETURN_IF_ERROR(
              DigestTable(*importer_, table, response->add_tables()));
        }
        return absl::OkStatus();
      });
}

grpc::Status ImportService::GetRowDigests(
    grpc::ServerContext* context, const v1::GetRowDigestsRequest* request,
    v1::GetRowDigestsResponse* response) {
  return runner_.Run(
      *context, "GetRowDigests", [&](const RequestContext&) -> absl::Status {
        if (!IsImportTable(request->table_name())) {
          return absl::InvalidArgumentError(
              absl::StrCat("table_name: unknown table '",
                           Excerpt(request->table_name()), "'"));
        }
        if (request->keys_size() > kMaxRowDigestKeys) {
          return absl::InvalidArgumentError(
              absl::StrCat("keys: at most ", kMaxRowDigestKeys,
                           " per request, got ", request->keys_size()));
        }
        std::vector<ImportKey> keys;
        keys.reserve(request->keys_size());
        for (int i = 0; i < request->keys_size(); ++i) {
          OPSBRAIN_ASSIGN_OR_RETURN(ImportKey key,
                                    KeyFromProto(request->keys(i), i));
          keys.push_back(std::move(key));
        }

        OPSBRAIN_ASSIGN_OR_RETURN(
            const std::vector<std::optional<ImportedRow>> found,
            importer_->FindRows(request->table_name(), keys));
        if (found.size() != keys.size()) {
          return absl::InternalError(absl::StrCat("importer found ",
                                                  found.size(), " results for ",
                                                  keys.size(), " keys"));
        }
        v1::ImportedRow proto;
        for (const std::optional<ImportedRow>& row : found) {
          v1::StoredRowDigest* digest = response->add_rows();
          if (!row.has_value()) continue;
          OPSBRAIN_RETURN_IF_ERROR(ImportedRowToProto(*row, &proto));
          digest->set_found(true);
          digest->set_digest(RowDigest(proto));
        }
        return absl::OkStatus();
      });
}

}  // namespace opsbrain::service
