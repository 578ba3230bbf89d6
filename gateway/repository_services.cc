// The production gateway's services: the Repository API.
#include <vector>

#include "gateway/linked_services.h"
#include "google/protobuf/descriptor.h"
#include "opsbrain/v1/repository.pb.h"

namespace opsbrain::gateway {

std::vector<const google::protobuf::ServiceDescriptor*> LinkedServices() {
  // Naming a message of repository.proto links its generated code.
  return {opsbrain::v1::GetConfigurationRequest::descriptor()
              ->file()
              ->FindServiceByName("Repository")};
}

}  // namespace opsbrain::gateway
