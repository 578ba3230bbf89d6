"""C++ (and gRPC) code generation from .proto files with Debian's protoc.

Bazel 4.2's native cc_proto_library needs @com_google_protobuf from the
network, so `cc_proto` runs the system protoc (and grpc_cpp_plugin) in a
genrule and wraps the output in a cc_library. Import paths are relative to
the package that holds the .proto files.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

# Roots searched for imports: the well-known types, the gRPC protos, and the
# googleapis files of the @googleapis repository.
_SYSTEM_ROOTS = ["/usr/include", "/usr/share/grpc-proto"]
_GOOGLEAPIS_ROOT = "external/googleapis"

def cc_proto(
        name,
        srcs,
        proto_deps = [],
        deps = [],
        grpc = False,
        visibility = None):
    """Generates C++ for `srcs` and compiles it into `name`.

    Args:
      name: the cc_library to create.
      srcs: .proto files of this package, named relative to it.
      proto_deps: .proto files (labels) that `srcs` import from elsewhere.
      deps: cc_proto libraries of those imports.
      grpc: also generate gRPC service stubs.
      visibility: visibility of the cc_library.
    """
    repo = native.repository_name().lstrip("@")
    pkg = native.package_name()
    root = "/".join([p for p in ["external/" + repo if repo else "", pkg] if p])

    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]

    roots = [root or "."] + _SYSTEM_ROOTS
    if [d for d in proto_deps if d.startswith("@googleapis//")]:
        roots.append(_GOOGLEAPIS_ROOT)
    includes = " ".join(["-I" + r for r in roots])
    out_dir = "$(GENDIR)/" + root if root else "$(GENDIR)"
    cmd = "protoc %s --cpp_out=%s" % (includes, out_dir)
    if grpc:
        cmd += (" --grpc_out=%s --plugin=protoc-gen-grpc=$$(which grpc_cpp_plugin)" %
                out_dir)
    cmd += " " + " ".join(["%s/%s" % (root, s) if root else s for s in srcs])

    native.genrule(
        name = name + "_codegen",
        srcs = srcs + proto_deps,
        outs = outs,
        cmd = cmd,
        message = "protoc " + name,
    )

    cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        includes = ["."],
        deps = deps + ["@system//:grpc" if grpc else "@system//:protobuf"],
        visibility = visibility,
    )
