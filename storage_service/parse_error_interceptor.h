// Reports requests that fail to parse as INVALID_ARGUMENT.
//
// gRPC answers a request it cannot deserialise with INTERNAL and an empty
// message. For this API the usual cause is the caller's: a proto3 string
// field holding bytes that are not UTF-8, which Protobuf refuses to parse.
// The caller should hear that it sent bad input, not that the server
// failed. The request never reaches a handler, so nothing is stored.
//
// Limit: Protobuf does not say which field failed, so the message cannot
// name it.
#ifndef OPSBRAIN_STORAGE_SERVICE_PARSE_ERROR_INTERCEPTOR_H_
#define OPSBRAIN_STORAGE_SERVICE_PARSE_ERROR_INTERCEPTOR_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace opsbrain {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewParseErrorInterceptorFactory();

}  // namespace opsbrain

#endif  // OPSBRAIN_STORAGE_SERVICE_PARSE_ERROR_INTERCEPTOR_H_
