// The test gateway's services: the Repository API and the GatewayTest
// service of gateway_test.proto.
#include <vector>

#include "gateway/linked_services.h"
#include "google/protobuf/descriptor.h"
#include "opsbrain/gatewaytest/v1/gateway_test.pb.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {

std::vector<const google::protobuf::ServiceDescriptor*> LinkedServices() {
  // Naming a message of each file links its generated code.
  return {
      opsbrain::v1::GetConfigurationRequest::descriptor()
          ->file()
          ->FindServiceByName("Repository"),
      opsbrain::gatewaytest::v1::EchoRequest::descriptor()
          ->file()
          ->FindServiceByName("GatewayTest"),
  };
}

}  // namespace opsbrain::gateway
