"""Debian's system C/C++ libraries as Bazel targets.

`system_libs` is a repository rule that asks pkg-config for the linker flags
of each named package when the workspace is loaded, and writes one
`cc_library` per package carrying only those flags. Headers live under
/usr/include, which the auto-configured toolchain already searches.
"""

def _system_libs_impl(rctx):
    pkg_config = rctx.which("pkg-config")
    if pkg_config == None:
        fail("pkg-config is missing; run scripts/setup.sh")

    rules = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, spec in rctx.attr.packages.items():
        result = rctx.execute([pkg_config, "--libs"] + spec.split(" "))
        if result.return_code != 0:
            fail("pkg-config --libs %s failed: %s; run scripts/setup.sh" %
                 (spec, result.stderr))
        flags = [f for f in result.stdout.strip().split(" ") if f]
        rules.append("cc_library(\n    name = %r,\n    linkopts = %r,\n)\n" %
                     (name, flags))
    for name, flags in rctx.attr.linkopts.items():
        rules.append("cc_library(\n    name = %r,\n    linkopts = %r,\n)\n" %
                     (name, flags.split(" ")))
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD", "\n".join(rules))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    attrs = {
        "packages": attr.string_dict(
            doc = "target name -> space-separated pkg-config package names",
        ),
        "linkopts": attr.string_dict(
            doc = "target name -> linker flags, for libraries without a .pc",
        ),
    },
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)
