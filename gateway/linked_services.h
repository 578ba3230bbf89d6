// The services a gateway binary puts on its REST surface.
//
// Each gateway binary links exactly one definition of LinkedServices:
// //gateway:gateway the one in repository_services.cc, a test binary its
// own. Returning the descriptors of generated code makes the binary link
// that code, so its descriptors are in the generated pool at run time; the
// routes are then read from their google.api.http options.
#ifndef OPSBRAIN_GATEWAY_LINKED_SERVICES_H_
#define OPSBRAIN_GATEWAY_LINKED_SERVICES_H_

#include <vector>

#include "google/protobuf/descriptor.h"

namespace opsbrain::gateway {

std::vector<const google::protobuf::ServiceDescriptor*> LinkedServices();

}  // namespace opsbrain::gateway

#endif  // OPSBRAIN_GATEWAY_LINKED_SERVICES_H_
