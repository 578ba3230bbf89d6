// Read-only access to a legacy OpsBrain SQLite file.
//
//   absl::StatusOr<std::unique_ptr<LegacyFile>> file =
//       LegacyFile::Open("opsbrain.db");
//   (*file)->ForEachRow("configurations", [](const LegacyRow& row) {...});
//
// The file is opened with SQLITE_OPEN_READONLY, so nothing in it can
// change, and one read transaction spans the LegacyFile's life: every read
// sees one snapshot, and the legacy app (should it still run) cannot commit
// a write meanwhile. Cells come back as SQLite stored them; the conversion
// rules live in legacy_conversions.h.
//
// Not thread-safe: one LegacyFile is read by one thread.
#ifndef OPSBRAIN_MIGRATOR_LEGACY_READER_H_
#define OPSBRAIN_MIGRATOR_LEGACY_READER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct sqlite3;

namespace opsbrain::migrator {

// One cell as SQLite stored it. SQLite's type affinity decides the type:
// numeric-looking text in a NUMERIC column (BOOLEAN, DATE, TIMESTAMP) is
// stored as an integer or real, so a converter must accept each type.
struct LegacyValue {
  enum class Type { kNull, kInteger, kReal, kText, kBlob };

  static LegacyValue Null() { return LegacyValue(); }
  static LegacyValue Integer(int64_t value);
  static LegacyValue Real(double value);
  static LegacyValue Text(std::string value);
  static LegacyValue Blob(std::string value);

  bool is_null() const { return type == Type::kNull; }

  Type type = Type::kNull;
  int64_t integer = 0;  // kInteger.
  double real = 0;      // kReal.
  // kText and kBlob: the bytes. kInteger and kReal: SQLite's own text form
  // of the number (as CAST(x AS TEXT) gives it). kNull: empty.
  std::string text;
};

// One row of a legacy table, by column name.
class LegacyRow {
 public:
  void Set(std::string column, LegacyValue value);
  // The value of `column`; NULL for a column the row does not have.
  const LegacyValue& Get(absl::string_view column) const;

 private:
  std::map<std::string, LegacyValue, std::less<>> values_;
};

// A legacy table and the columns an OpsBrain file has in it.
struct LegacyTableSpec {
  const char* name;
  std::vector<const char*> columns;
  // The columns that identify a row (its natural key, or the legacy id).
  // A table without one of them cannot be imported; any other column an
  // older app version did not have yet reads as NULL.
  std::vector<const char*> key_columns;
};

// The seven legacy tables (fixtures/original_schema.sql), in the order the
// migrator imports and reports them.
const std::vector<LegacyTableSpec>& LegacyTables();

// The file name the storage service gives its own SQLite database; the
// migrator refuses to import a file of this name.
inline constexpr char kStoreFileName[] = "opsbrain-store.db";

class LegacyFile {
 public:
  // Opens `path` read-only and checks it. Errors, each naming the path:
  //   NOT_FOUND            no such file
  //   FAILED_PRECONDITION  the file is the store's own database (named
  //                        opsbrain-store.db, or it has the store's
  //                        schema_migrations table); it is not a SQLite
  //                        database; it has none of the seven tables, or
  //                        one of them lacks a key column
  //   DATA_LOSS            the file is corrupt (PRAGMA quick_check)
  //   UNAVAILABLE          the file cannot be opened or stays locked
  // A file with some of the seven tables is accepted; tables() lists them.
  // A table that lacks columns other than its key columns (a file of an
  // older app version) is accepted too: missing_columns() lists them and
  // they read as NULL.
  static absl::StatusOr<std::unique_ptr<LegacyFile>> Open(
      const std::string& path);

  LegacyFile(const LegacyFile&) = delete;
  LegacyFile& operator=(const LegacyFile&) = delete;

  // Ends the read transaction and closes the file.
  ~LegacyFile();

  const std::string& path() const { return path_; }

  // The tables of LegacyTables() that the file has, in that order.
  const std::vector<std::string>& tables() const { return tables_; }
  bool HasTable(absl::string_view table) const;

  // The columns of `table`'s LegacyTableSpec that the file's table lacks;
  // empty for a table the file does not have.
  std::vector<std::string> MissingColumns(absl::string_view table) const;

  // The number of rows of `table` (one of tables()), in the snapshot.
  absl::StatusOr<int64_t> CountRows(absl::string_view table);

  // Calls `visit` with each row of `table` (one of tables()), in rowid
  // order, with the columns of its LegacyTableSpec (NULL for a missing
  // one); each row is a fresh one that `visit` may move from. Stops at, and
  // returns, the first error of `visit` or of SQLite (corruption found late
  // is DATA_LOSS).
  absl::Status ForEachRow(absl::string_view table,
                          absl::FunctionRef<absl::Status(LegacyRow&)> visit);

 private:
  LegacyFile(std::string path, sqlite3* db);
  absl::Status Check();

  const std::string path_;
  sqlite3* const db_;
  std::vector<std::string> tables_;
  // By table: the spec's columns the file lacks.
  std::map<std::string, std::vector<std::string>, std::less<>> missing_;
};

}  // namespace opsbrain::migrator

#endif  // OPSBRAIN_MIGRATOR_LEGACY_READER_H_
