#include "storage_service/service/redaction.h"

#include "gtest/gtest.h"
#include "opsbrain/v1/records.pb.h"

namespace opsbrain::service {
namespace {

v1::Configuration Config(bool sensitive) {
  v1::Configuration config;
  config.set_key("slack_bot_token");
  config.set_value("xoxb-FAKE");
  config.set_is_sensitive(sensitive);
  return config;
}

struct Case {
  const char* name;
  bool sensitive;
  bool may_read_secrets;
  bool redacted;
};

TEST(RedactionTest, SensitiveValuesNeedTheSecretsScope) {
  const Case cases[] = {
      {"sensitive without secrets", true, false, true},
      {"sensitive with secrets", true, true, false},
      {"plain without secrets", false, false, false},
      {"plain with secrets", false, true, false},
  };
  for (const Case& c : cases) {
    v1::Configuration config = Config(c.sensitive);
    RedactConfiguration(c.may_read_secrets, &config);
    EXPECT_EQ(config.value_redacted(), c.redacted) << c.name;
    EXPECT_EQ(config.value(), c.redacted ? "" : "xoxb-FAKE") << c.name;
    EXPECT_EQ(config.is_sensitive(), c.sensitive) << c.name;
  }
}

TEST(RedactionTest, ClearsAStaleRedactionFlag) {
  v1::Configuration config = Config(false);
  config.set_value_redacted(true);
  RedactConfiguration(false, &config);
  EXPECT_FALSE(config.value_redacted());
}

}  // namespace
}  // namespace opsbrain::service
