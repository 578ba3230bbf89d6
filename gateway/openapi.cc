#include "gateway/openapi.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gateway/auth.h"
#include "gateway/endpoints.h"
#include "gateway/etag.h"
#include "gateway/field_values.h"
#include "gateway/path_template.h"
#include "gateway/router.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace opsbrain::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Value;

constexpr absl::string_view kOpenApiVersion = "3.0.3";
constexpr absl::string_view kErrorSchema = "google.rpc.Status";
// Nested messages are offered as dotted query parameters down to this
// depth; deeper fields are reachable through the body only.
constexpr int kMaxQueryDepth = 3;

// ---- Building JSON values ---------------------------------------------------

Value Str(absl::string_view text) {
  Value value;
  value.set_string_value(std::string(text));
  return value;
}

Value Bool(bool flag) {
  Value value;
  value.set_bool_value(flag);
  return value;
}

Value Object() {
  Value value;
  value.mutable_struct_value();
  return value;
}

Value Array(std::vector<Value> items) {
  Value value;
  for (Value& item : items) {
    *value.mutable_list_value()->add_values() = std::move(item);
  }
  value.mutable_list_value();
  return value;
}

// Sets `key` of the object `object` and returns the new member.
Value& Put(Value& object, absl::string_view key, Value member) {
  Value& slot =
      (*object.mutable_struct_value()->mutable_fields())[std::string(key)];
  slot = std::move(member);
  return slot;
}

// The member `key` of `object`, made an empty object when absent.
Value& Member(Value& object, absl::string_view key) {
  auto& fields = *object.mutable_struct_value()->mutable_fields();
  auto it = fields.find(std::string(key));
  if (it != fields.end()) return it->second;
  return Put(object, key, Object());
}

Value Ref(absl::string_view kind, absl::string_view name) {
  Value ref = Object();
  Put(ref, "$ref", Str(absl::StrCat("#/components/", kind, "/", name)));
  return ref;
}

Value TypeSchema(absl::string_view type, absl::string_view format = "") {
  Value schema = Object();
  Put(schema, "type", Str(type));
  if (!format.empty()) Put(schema, "format", Str(format));
  return schema;
}

// ---- Schemas in the proto3 JSON mapping -------------------------------------

class Schemas {
 public:
  // The schema of a field as it appears in JSON: repeated fields as
  // arrays, maps as objects.
  Value Field(const FieldDescriptor* field) {
    if (field->is_map()) {
      Value schema = TypeSchema("object");
      Put(schema, "additionalProperties",
          Singular(field->message_type()->map_value()));
      return schema;
    }
    if (field->is_repeated()) {
      Value schema = TypeSchema("array");
      Put(schema, "items", Singular(field));
      return schema;
    }
    return Singular(field);
  }

  // One value of `field`, ignoring its label.
  Value Singular(const FieldDescriptor* field) {
    switch (field->type()) {
      case FieldDescriptor::TYPE_DOUBLE:
        return TypeSchema("number", "double");
      case FieldDescriptor::TYPE_FLOAT:
        return TypeSchema("number", "float");
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return TypeSchema("integer", "int32");
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return TypeSchema("integer", "int64");
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        // The JSON mapping prints 64-bit integers as strings.
        return TypeSchema("string", "int64");
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return TypeSchema("string", "uint64");
      case FieldDescriptor::TYPE_BOOL:
        return TypeSchema("boolean");
      case FieldDescriptor::TYPE_STRING:
        return TypeSchema("string");
      case FieldDescriptor::TYPE_BYTES:
        return TypeSchema("string", "byte");
      case FieldDescriptor::TYPE_ENUM: {
        Value schema = TypeSchema("string");
        std::vector<Value> names;
        for (int i = 0; i < field->enum_type()->value_count(); ++i) {
          names.push_back(Str(field->enum_type()->value(i)->name()));
        }
        Put(schema, "enum", Array(std::move(names)));
        return schema;
      }
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return Message(field->message_type());
    }
    return Object();
  }

  // A well-known type inline, any other message as a reference to its
  // component schema (written by Write).
  Value Message(const Descriptor* type) {
    const std::string& name = type->full_name();
    if (name == "google.protobuf.Timestamp") {
      return TypeSchema("string", "date-time");
    }
    if (name == "google.protobuf.Duration") {
      Value schema = TypeSchema("string");
      Put(schema, "description", Str("seconds with an s suffix: 1.5s"));
      return schema;
    }
    if (name == "google.protobuf.FieldMask") {
      Value schema = TypeSchema("string");
      Put(schema, "description",
          Str("comma-separated field paths in lowerCamelCase"));
      return schema;
    }
    if (name == "google.protobuf.Struct") {
      Value schema = TypeSchema("object");
      Put(schema, "additionalProperties", Bool(true));
      return schema;
    }
    if (name == "google.protobuf.Value") {
      Value schema = Object();
      Put(schema, "description", Str("any JSON value"));
      return schema;
    }
    if (name == "google.protobuf.ListValue") {
      Value schema = TypeSchema("array");
      Put(schema, "items", Object());
      return schema;
    }
    if (name == "google.protobuf.Any") {
      Value schema = TypeSchema("object");
      Put(Member(schema, "properties"), "@type", TypeSchema("string"));
      Put(schema, "additionalProperties", Bool(true));
      return schema;
    }
    if (IsTextualMessage(type) && type->field_count() == 1) {
      // A wrapper: its value, or null.
      Value schema = Singular(type->field(0));
      Put(schema, "nullable", Bool(true));
      return schema;
    }
    if (!written_.count(name)) pending_.insert(type);
    return Ref("schemas", name);
  }

  // Writes the schema of every message referenced so far (and of those
  // they reference) into `schemas`.
  void Write(Value& schemas) {
    while (!pending_.empty()) {
      const Descriptor* type = *pending_.begin();
      pending_.erase(pending_.begin());
      if (!written_.insert(type->full_name()).second) continue;
      Value schema = TypeSchema("object");
      Value& properties = Member(schema, "properties");
      for (int i = 0; i < type->field_count(); ++i) {
        const FieldDescriptor* field = type->field(i);
        Put(properties, field->json_name(), Field(field));
      }
      Put(schemas, type->full_name(), std::move(schema));
    }
  }

 private:
  std::set<const Descriptor*> pending_;
  std::set<std::string> written_;
};

// ---- Paths and parameters ---------------------------------------------------

// The OpenAPI path of a template: variables become {field.path}; a wildcard
// outside a variable becomes {_segmentN} (N its position).
struct OpenApiPath {
  std::string path;
  std::vector<std::string> anonymous;  // The {_segmentN} names.
};

OpenApiPath PathOf(const PathTemplate& path) {
  OpenApiPath out;
  const std::vector<PathTemplate::Segment>& segments = path.segments();
  for (size_t i = 0; i < segments.size();) {
    const PathTemplate::Variable* variable = nullptr;
    for (const PathTemplate::Variable& v : path.variables()) {
      if (v.begin == static_cast<int>(i)) variable = &v;
    }
    if (variable != nullptr) {
      absl::StrAppend(&out.path, "/{", variable->field_path, "}");
      i = static_cast<size_t>(std::max(variable->end, variable->begin + 1));
      continue;
    }
    if (segments[i].kind == PathTemplate::SegmentKind::kLiteral) {
      absl::StrAppend(&out.path, "/", segments[i].literal);
    } else {
      std::string name = absl::StrCat("_segment", i + 1);
      absl::StrAppend(&out.path, "/{", name, "}");
      out.anonymous.push_back(std::move(name));
    }
    ++i;
  }
  if (!path.verb().empty()) absl::StrAppend(&out.path, ":", path.verb());
  return out;
}

bool Overlaps(const FieldPath& a, const FieldPath& b) {
  const size_t common = std::min(a.size(), b.size());
  return std::equal(a.begin(), a.begin() + common, b.begin());
}

std::string JsonPathName(const FieldPath& path) {
  std::vector<std::string> names;
  for (const FieldDescriptor* field : path) names.push_back(field->json_name());
  return absl::StrJoin(names, ".");
}

// The fields a query may set on `type`: settable fields not bound by the
// path or the body, and the settable fields of singular messages inside.
void CollectQueryFields(const Descriptor* type, const FieldPath& prefix,
                        const std::vector<FieldPath>& bound,
                        std::vector<FieldPath>& out) {
  if (static_cast<int>(prefix.size()) >= kMaxQueryDepth) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    FieldPath path = prefix;
    path.push_back(field);
    bool taken = false;
    for (const FieldPath& b : bound) {
      if (Overlaps(path, b)) taken = true;
    }
    if (taken || field->is_map()) continue;
    if (IsSettableFromText(field)) {
      out.push_back(std::move(path));
    } else if (!field->is_repeated() &&
               field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      bool cycle = false;
      for (const FieldDescriptor* outer : prefix) {
        if (outer->message_type() == field->message_type()) cycle = true;
      }
      if (field->message_type() == type) cycle = true;
      if (!cycle) {
        CollectQueryFields(field->message_type(), path, bound, out);
      }
    }
  }
}

Value Parameter(absl::string_view name, absl::string_view in, bool required,
                Value schema, absl::string_view description = "") {
  Value parameter = Object();
  Put(parameter, "name", Str(name));
  Put(parameter, "in", Str(in));
  Put(parameter, "required", Bool(required));
  Put(parameter, "schema", std::move(schema));
  if (!description.empty()) Put(parameter, "description", Str(description));
  return parameter;
}

Value JsonContent(Value schema) {
  Value content = Object();
  Put(Member(content, "application/json"), "schema", std::move(schema));
  return content;
}

Value HeaderOf(absl::string_view description) {
  Value header = Object();
  Put(header, "description", Str(description));
  Put(header, "schema", TypeSchema("string"));
  return header;
}

// The responses every operation shares, under components/responses.
void WriteSharedResponses(Value& responses, bool auth) {
  Value error = Object();
  Put(error, "description",
      Str("An error: the gRPC status code and message, and details."));
  Put(error, "content", JsonContent(Ref("schemas", kErrorSchema)));
  Put(Member(error, "headers"), "X-Request-Id",
      HeaderOf("The request's id, for correlating logs."));
  Put(responses, "Error", error);
  if (!auth) return;

  Value unauthenticated = error;
  Put(unauthenticated, "description",
      Str("No bearer token, or one the gateway does not know."));
  Put(Member(unauthenticated, "headers"), "WWW-Authenticate",
      HeaderOf("The Bearer challenge."));
  Put(responses, "Unauthenticated", std::move(unauthenticated));

  Value forbidden = error;
  Put(forbidden, "description",
      Str("The token lacks the scope this route needs."));
  Put(Member(forbidden, "headers"), "WWW-Authenticate",
      HeaderOf("The Bearer challenge naming the scope needed."));
  Put(responses, "PermissionDenied", std::move(forbidden));

  Value limited = error;
  Put(limited, "description", Str("The token's rate limit is exhausted."));
  Put(Member(limited, "headers"), "Retry-After",
      HeaderOf("Seconds until a request may succeed."));
  Put(responses, "TooManyRequests", std::move(limited));
}

void AddAuthResponses(Value& responses, bool with_scope) {
  Put(responses, "401", Ref("responses", "Unauthenticated"));
  if (with_scope) Put(responses, "403", Ref("responses", "PermissionDenied"));
  Put(responses, "429", Ref("responses", "TooManyRequests"));
}

Value ErrorSchema() {
  Value schema = TypeSchema("object");
  Value& properties = Member(schema, "properties");
  Value code = TypeSchema("integer", "int32");
  Put(code, "description", Str("The gRPC status code."));
  Put(properties, "code", std::move(code));
  Put(properties, "message", TypeSchema("string"));
  Value details = TypeSchema("array");
  Value any = TypeSchema("object");
  Put(Member(any, "properties"), "@type", TypeSchema("string"));
  Put(any, "additionalProperties", Bool(true));
  Put(details, "items", std::move(any));
  Put(properties, "details", std::move(details));
  return schema;
}

// The operation of one route.
Value Operation(const Route& route, const OpenApiPath& path,
                absl::string_view operation_id, bool auth, Schemas& schemas) {
  const Scope scope = ScopeForHttpMethod(route.http_method);
  Value operation = Object();
  Put(operation, "operationId", Str(operation_id));
  Put(operation, "summary", Str(route.method->full_name()));
  Put(operation, "description",
      Str(absl::StrCat("gRPC method ", route.grpc_method, ". ",
                       auth ? absl::StrCat("Needs the ", ScopeName(scope),
                                           " scope (or admin).")
                            : "")));
  Put(operation, "tags", Array({Str(route.method->service()->full_name())}));
  Put(operation, "x-opsbrain-scope", Str(ScopeName(scope)));

  // Parameters: the path's, the query's, and the headers the gateway reads.
  std::vector<Value> parameters;
  for (size_t i = 0; i < route.path_fields.size(); ++i) {
    const PathTemplate::Variable& variable = route.path.variables()[i];
    const bool multi_segment = variable.end - variable.begin > 1 ||
                               route.path.segments()[variable.begin].kind ==
                                   PathTemplate::SegmentKind::kDoubleWildcard;
    parameters.push_back(Parameter(
        variable.field_path, "path", true,
        schemas.Singular(route.path_fields[i].back()),
        multi_segment ? "Spans several path segments; may hold '/'." : ""));
  }
  for (const std::string& name : path.anonymous) {
    parameters.push_back(Parameter(name, "path", true, TypeSchema("string"),
                                   "Any one segment; not passed on."));
  }
  if (route.body != BodyKind::kWhole) {
    std::vector<FieldPath> bound = route.path_fields;
    if (route.body == BodyKind::kField) bound.push_back({route.body_field});
    std::vector<FieldPath> query;
    CollectQueryFields(route.method->input_type(), {}, bound, query);
    for (const FieldPath& field : query) {
      parameters.push_back(Parameter(JsonPathName(field), "query", false,
                                     schemas.Field(field.back())));
    }
  }
  const bool has_etag_target = IfMatchTarget(route).has_value();
  if (has_etag_target) {
    parameters.push_back(
        Parameter("If-Match", "header", false, TypeSchema("string"),
                  "The record's ETag; the change is made only if the record "
                  "still has it (else 412)."));
  }
  parameters.push_back(
      Parameter("X-Request-Id", "header", false, TypeSchema("string"),
                "1 to 128 of [A-Za-z0-9._-]; echoed, else one is made."));
  Put(operation, "parameters", Array(std::move(parameters)));

  // The body.
  if (route.body != BodyKind::kNone) {
    const Descriptor* type = route.body == BodyKind::kWhole
                                 ? route.method->input_type()
                                 : route.body_field->message_type();
    Value body = Object();
    Put(body, "required", Bool(false));
    Put(body, "content", JsonContent(schemas.Message(type)));
    Put(operation, "requestBody", std::move(body));
  }

  // The answers.
  Value& responses = Member(operation, "responses");
  Value ok = Object();
  Put(ok, "description", Str("OK"));
  Put(ok, "content", JsonContent(schemas.Message(route.method->output_type())));
  Value& headers = Member(ok, "headers");
  Put(headers, "X-Request-Id", HeaderOf("The request's id."));
  if (EtagField(route.method->output_type()) != nullptr) {
    Put(headers, "ETag", HeaderOf("The record's etag, for If-Match."));
  }
  Put(responses, "200", std::move(ok));
  if (has_etag_target) {
    Value failed = Ref("responses", "Error");
    Put(responses, "412", std::move(failed));
  }
  if (auth) AddAuthResponses(responses, /*with_scope=*/true);
  Put(responses, "default", Ref("responses", "Error"));
  return operation;
}

// The operations of the gateway's own endpoints.
void WriteBuiltins(Value& paths, bool auth) {
  const auto simple = [auth](absl::string_view id, absl::string_view summary,
                             absl::string_view content_type, Value schema,
                             bool open, bool may_be_unavailable) {
    Value operation = Object();
    Put(operation, "operationId", Str(id));
    Put(operation, "summary", Str(summary));
    Put(operation, "tags", Array({Str("gateway")}));
    if (open) Put(operation, "security", Array({}));
    Value& responses = Member(operation, "responses");
    Value ok = Object();
    Put(ok, "description", Str("OK"));
    Put(Member(Member(ok, "content"), content_type), "schema",
        std::move(schema));
    Put(responses, "200", std::move(ok));
    if (may_be_unavailable) Put(responses, "503", Ref("responses", "Error"));
    if (auth && !open) AddAuthResponses(responses, /*with_scope=*/false);
    Put(responses, "default", Ref("responses", "Error"));
    Value item = Object();
    Put(item, "get", std::move(operation));
    return item;
  };
  Value serving = TypeSchema("object");
  Put(Member(serving, "properties"), "status", TypeSchema("string"));

  Put(paths, kHealthzPath,
      simple("Healthz", "The gateway process is up.", "application/json",
             serving, /*open=*/true, /*may_be_unavailable=*/false));
  Put(paths, kReadyzPath,
      simple("Readyz",
             "The storage service is serving and the gateway is not "
             "draining.",
             "application/json", serving, /*open=*/true,
             /*may_be_unavailable=*/true));
  Put(paths, kOpenApiPath,
      simple("OpenApi", "This document. Any known token may read it.",
             "application/json", TypeSchema("object"), /*open=*/false,
             /*may_be_unavailable=*/false));
  Put(paths, kMetricsPath,
      simple("Metrics",
             "Prometheus metrics, text format 0.0.4. Any known token may "
             "read them.",
             "text/plain", TypeSchema("string"), /*open=*/false,
             /*may_be_unavailable=*/false));
}

absl::string_view OpenApiMethod(absl::string_view http_method) {
  for (absl::string_view known :
       {"get", "put", "post", "delete", "options", "head", "patch", "trace"}) {
    if (absl::EqualsIgnoreCase(known, http_method)) return known;
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> OpenApiDocument(const Router& router,
                                            const OpenApiOptions& options) {
  Value document = Object();
  Put(document, "openapi", Str(kOpenApiVersion));
  Value& info = Member(document, "info");
  Put(info, "title", Str(options.title));
  Put(info, "version", Str(options.version));
  Put(info, "description",
      Str("Generated at run time from the google.api.http annotations of "
          "the gRPC services the gateway serves. JSON follows the proto3 "
          "JSON mapping."));

  // The routes, grouped by OpenAPI path.
  Schemas schemas;
  Value& paths = Member(document, "paths");
  absl::flat_hash_map<std::string, int> bindings;
  std::set<std::string> service_names;
  for (const Route& route : router.routes()) {
    const OpenApiPath path = PathOf(route.path);
    const int binding = ++bindings[route.method->full_name()];
    const std::string operation_id =
        binding == 1 ? route.method->name()
                     : absl::StrCat(route.method->name(), "_", binding);
    Value operation =
        Operation(route, path, operation_id, options.auth, schemas);
    service_names.insert(route.method->service()->full_name());

    Value& item = Member(paths, path.path);
    const absl::string_view method = OpenApiMethod(route.http_method);
    Value& slot = method.empty()
                      ? Member(Member(item, "x-opsbrain-custom-methods"),
                               route.http_method)
                      : Member(item, method);
    if (slot.struct_value().fields_size() > 0) {
      // Two templates with one OpenAPI path and method (they differ only
      // in their variables' patterns): keep both, the second aside.
      Put(Member(item, "x-opsbrain-also"), operation_id, std::move(operation));
    } else {
      slot = std::move(operation);
    }
  }
  WriteBuiltins(paths, options.auth);

  // Tags, components and security.
  std::vector<Value> tags;
  for (const std::string& name : service_names) {
    Value tag = Object();
    Put(tag, "name", Str(name));
    tags.push_back(std::move(tag));
  }
  Value gateway_tag = Object();
  Put(gateway_tag, "name", Str("gateway"));
  Put(gateway_tag, "description", Str("The gateway's own endpoints."));
  tags.push_back(std::move(gateway_tag));
  Put(document, "tags", Array(std::move(tags)));

  Value& components = Member(document, "components");
  Value& schema_map = Member(components, "schemas");
  schemas.Write(schema_map);
  Put(schema_map, kErrorSchema, ErrorSchema());
  WriteSharedResponses(Member(components, "responses"), options.auth);
  if (options.auth) {
    Value bearer = Object();
    Put(bearer, "type", Str("http"));
    Put(bearer, "scheme", Str("bearer"));
    Put(bearer, "description",
        Str("A token from the gateway's token file; its scopes (read, "
            "write, secrets, admin) decide what it may do."));
    Put(Member(components, "securitySchemes"), "bearerAuth", std::move(bearer));
    Value requirement = Object();
    Put(requirement, "bearerAuth", Array({}));
    Put(document, "security", Array({std::move(requirement)}));
  }

  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  const auto status =
      google::protobuf::util::MessageToJsonString(document, &json, print);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(
        "cannot print the OpenAPI document: ", status.message().as_string()));
  }
  return json;
}

}  // namespace opsbrain::gateway
