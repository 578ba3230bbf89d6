// The end-to-end checks of an imported legacy file: every record of the
// file is read back through a RecordSource and compared with what the test
// reads from the file itself (migrator_env.h's ReadLegacy, JSON decoded by
// protobuf, times by absl::ParseTime) and, where the anchor does not
// matter, with the original app's golden answers (opsbrain.expected.json).
#ifndef OPSBRAIN_TESTS_MIGRATOR_LEGACY_CHECKS_H_
#define OPSBRAIN_TESTS_MIGRATOR_LEGACY_CHECKS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "tests/migrator/migrator_env.h"
#include "tests/migrator/record_source.h"

namespace opsbrain::testing {

// testdata/opsbrain.expected.json.
google::protobuf::Struct ExpectedAnswers();

// Checks with gtest expectations that `source` serves every record of
// `legacy` (ReadLegacy of the imported file, built with ANCHOR=`anchor`):
// configurations (sensitive values masked without the secrets scope),
// goals, settings, preferences, live thread contexts (expired ones read as
// NOT_FOUND, judged by the test's own clock around each call), audit rows
// (and no others: the import writes none) and metrics.
void ExpectStoreHoldsLegacyFile(
    RecordSource& source,
    const std::map<std::string, std::vector<LegacyRecord>>& legacy,
    absl::Time anchor);

}  // namespace opsbrain::testing

#endif  // OPSBRAIN_TESTS_MIGRATOR_LEGACY_CHECKS_H_
