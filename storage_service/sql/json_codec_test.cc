#include "storage_service/sql/json_codec.h"

#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace opsbrain::sql {
namespace {

using google::protobuf::Struct;
using google::protobuf::util::MessageDifferencer;

// What protobuf's own JSON printer writes, the format stored before.
std::string ProtobufJson(const Struct& object) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(object, &json).ok());
  return json;
}

std::string Utf8(uint32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xc0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xe0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (c & 0x3f));
  }
  return s;
}

Struct OneString(const std::string& text) {
  Struct object;
  (*object.mutable_fields())["k"].set_string_value(text);
  return object;
}

TEST(JsonCodecTest, StringsAreEscapedAsProtobufEscapesThem) {
  for (uint32_t c = 1; c < 0x80; ++c) {
    const Struct object = OneString(Utf8(c));
    EXPECT_EQ(EncodeObject(object), ProtobufJson(object)) << c;
  }
  // Every code point up to U+FFFF but the surrogates, and the astral
  // planes' format characters around their ranges.
  for (uint32_t c = 0x80; c < 0x10000; ++c) {
    if (c >= 0xd800 && c < 0xe000) continue;
    const Struct object = OneString(Utf8(c));
    ASSERT_EQ(EncodeObject(object), ProtobufJson(object)) << std::hex << c;
  }
  for (uint32_t c :
       {0x1f600u, 0x1d172u, 0x1d173u, 0x1d17au, 0x1d17bu, 0xe0000u, 0xe0001u,
        0xe0002u, 0xe001fu, 0xe0020u, 0xe007fu, 0xe0080u, 0x10ffffu}) {
    const Struct object = OneString(Utf8(c));
    EXPECT_EQ(EncodeObject(object), ProtobufJson(object)) << std::hex << c;
  }
  const Struct mixed = OneString("a\"b\\c\n<x> \xc3\xa9t\xc3\xa9 \xe2\x80\xa8");
  EXPECT_EQ(EncodeObject(mixed), ProtobufJson(mixed));
}

TEST(JsonCodecTest, NumbersArePrintedAsProtobufPrintsThem) {
  for (double value :
       {0.0, -0.0, 1.0, -42.0, 0.1, 1.0 / 3, 3.14159, 1e15, 1e16, 1e17, 1e21,
        1e-7, 2.5e-300, 1e308, 123456789012345678.0, 9007199254740993.0}) {
    Struct object;
    (*object.mutable_fields())["n"].set_number_value(value);
    EXPECT_EQ(EncodeObject(object), ProtobufJson(object)) << value;
  }
}

TEST(JsonCodecTest, NestedValuesAreWrittenWithSortedKeys) {
  Struct object;
  auto& fields = *object.mutable_fields();
  fields["zeta"].set_bool_value(false);
  fields["alpha"].mutable_list_value()->add_values()->set_bool_value(true);
  fields["alpha"].mutable_list_value()->add_values()->set_null_value(
      google::protobuf::NULL_VALUE);
  fields["mid"].mutable_struct_value();
  auto& inner = *fields["inner"].mutable_struct_value()->mutable_fields();
  inner["b"].set_number_value(2);
  inner["a"].set_string_value("x");
  EXPECT_EQ(EncodeObject(object),
            "{\"alpha\":[true,null],\"inner\":{\"a\":\"x\",\"b\":2},"
            "\"mid\":{},\"zeta\":false}");

  // Protobuf reads back the same object from the text.
  Struct back;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(EncodeObject(object), &back)
          .ok());
  EXPECT_TRUE(MessageDifferencer::Equals(back, object));
  EXPECT_EQ(EncodeObject(Struct()), "{}");
}

TEST(JsonCodecTest, DecodesWhatPostgresPrints) {
  absl::StatusOr<Struct> object =
      DecodeObject("{\"a\": 1.5, \"b\": [\"x\", {\"c\": null}], \"d\": true}");
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(EncodeObject(*object),
            "{\"a\":1.5,\"b\":[\"x\",{\"c\":null}],\"d\":true}");
  absl::StatusOr<std::string> normalised =
      NormalizeObject("{\"b\": \"\\u00e9\\ud83d\\ude00\", \"a\": -0}");
  ASSERT_TRUE(normalised.ok()) << normalised.status();
  EXPECT_EQ(*normalised, "{\"a\":0,\"b\":\"\xc3\xa9\xf0\x9f\x98\x80\"}");
}

TEST(JsonCodecTest, RejectsTextThatIsNotAnObject) {
  for (const char* text :
       {"[1]", "{\"a\":1} x", "{\"a\":", "{\"a\":1,\"a\":2}", "nope", ""}) {
    absl::StatusOr<Struct> object = DecodeObject(text);
    EXPECT_EQ(object.status().code(), absl::StatusCode::kDataLoss) << text;
  }
}

TEST(JsonCodecTest, StringListsRoundTrip) {
  const std::vector<std::string> items = {"one", "t\"wo\n", "", "\xc3\xa9<"};
  const std::string json = EncodeStringList(items);
  EXPECT_EQ(json, "[\"one\",\"t\\\"wo\\n\",\"\",\"\xc3\xa9\\u003c\"]");
  absl::StatusOr<std::vector<std::string>> back = DecodeStringList(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, items);
  EXPECT_EQ(EncodeStringList({}), "[]");
  EXPECT_TRUE(DecodeStringList("")->empty());
  EXPECT_EQ(DecodeStringList("[1]").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeStringList("{}").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace opsbrain::sql
