// The opsbrain.v1.Import gRPC service (internal; used by the migrator) over
// an Importer.
//
// ImportRows reads the client stream one message at a time. Each message
// holds at most kMaxRowsPerImportMessage rows (more is INVALID_ARGUMENT,
// after the earlier messages were imported). Its rows are converted and
// validated as import_rows.h says; a row that fails is rejected, never
// written, and reported with its table, natural key and reason. The valid
// rows of one message go to Importer::ImportBatch together, in one
// transaction. The response counts, for each of the seven tables in
// kImportTables order, the rows received, imported, already present and
// rejected over the whole stream; a row without a record is rejected with
// table "" and counted nowhere. Its `rejected` list names at most
// kMaxReportedRejections rows (the first ones); the counts are always
// complete. A stream of zero rows is fine.
//
// A message with validate_only set is converted, validated, counted and
// reported in the same way, but nothing of it is written: its valid rows
// count as received only. Each RejectedRow carries the row's position in
// the stream (stream_index), so a client can tell which of its rows failed
// even when their keys are alike.
//
// GetTableChecksums digests every stored row of each requested table
// (common/row_digest.h) after converting it to its proto form
// (import_rows.h). No names means all seven tables; an unknown name is
// INVALID_ARGUMENT before any table is read.
//
// GetRowDigests looks up at most kMaxRowDigestKeys natural keys in one
// table (Importer::FindRows, one transaction) and answers, parallel to the
// keys, whether each is stored and the RowDigest of the stored row. An
// expired thread context that is still stored is found. INVALID_ARGUMENT
// for an unknown table, too many keys, or key text with NUL or longer than
// 255 bytes.
//
// Thread-safe; holds no state of its own.
#ifndef OPSBRAIN_STORAGE_SERVICE_SERVICE_IMPORT_SERVICE_H_
#define OPSBRAIN_STORAGE_SERVICE_SERVICE_IMPORT_SERVICE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/sync_stream.h"
#include "opsbrain/v1/internal.grpc.pb.h"
#include "storage_service/importer.h"
#include "storage_service/service/rpc_runner.h"

namespace opsbrain::service {

inline constexpr int kMaxRowsPerImportMessage = 5000;
inline constexpr int kMaxReportedRejections = 1000;
inline constexpr int kMaxRowDigestKeys = 5000;

class ImportService final : public v1::Import::Service {
 public:
  // `importer` must outlive the service. `readiness` (may be null: always
  // ready) lets the server refuse imports until the schema is current.
  explicit ImportService(Importer* importer, ReadinessGate readiness = nullptr);

  ImportService(const ImportService&) = delete;
  ImportService& operator=(const ImportService&) = delete;

  grpc::Status ImportRows(grpc::ServerContext* context,
                          grpc::ServerReader<v1::ImportRowsRequest>* reader,
                          v1::ImportRowsResponse* response) override;
  grpc::Status GetTableChecksums(
      grpc::ServerContext* context, const v1::GetTableChecksumsRequest* request,
      v1::GetTableChecksumsResponse* response) override;
  grpc::Status GetRowDigests(grpc::ServerContext* context,
                             const v1::GetRowDigestsRequest* request,
                             v1::GetRowDigestsResponse* response) override;

 private:
  Importer* const importer_;
  const RpcRunner runner_;
};

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_IMPORT_SERVICE_H_
