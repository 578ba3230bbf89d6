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
// GetTableChecksums digests every stored row of each requested table
// (common/row_digest.h) after converting it to its proto form
// (import_rows.h). No names means all seven tables; an unknown name is
// INVALID_ARGUMENT before any table is read.
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

 private:
  Importer* const importer_;
  const RpcRunner runner_;
};

}  // namespace opsbrain::service

#endif  // OPSBRAIN_STORAGE_SERVICE_SERVICE_IMPORT_SERVICE_H_
