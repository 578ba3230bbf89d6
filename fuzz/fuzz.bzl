"""One fuzz target, built three ways.

opsbrain_fuzzer(name = "x", ...) defines:
  x_lib          the target: LLVMFuzzerTestOneInput and its checks;
  x              the fuzzer binary: libFuzzer under --config=fuzz, else the
                 replay driver (so it builds with gcc too and can reproduce
                 a crash file: `x FILE`);
  x_replay_test  runs corpus/x and regressions/x through the target in the
                 normal build (part of `bazel test //...`);
  x_run          runs libFuzzer for FUZZ_SECONDS (default 60) from
                 corpus/x; manual, and only meaningful under --config=fuzz.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def opsbrain_fuzzer(name, srcs, deps):
    corpus = "corpus/" + name
    regressions = "regressions/" + name
    native.filegroup(
        name = name + "_inputs",
        srcs = native.glob([corpus + "/**", regressions + "/**"]),
    )
    cc_library(
        name = name + "_lib",
        testonly = True,
        srcs = srcs,
        deps = deps + [":fuzz_support"],
        # LLVMFuzzerTestOneInput is only ever called from outside.
        alwayslink = True,
    )
    cc_binary(
        name = name,
        testonly = True,
        deps = [name + "_lib"] + select({
            ":fuzzing": [],
            "//conditions:default": [":replay_main"],
        }),
        linkopts = select({
            ":fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
    cc_test(
        name = name + "_replay_test",
        size = "small",
        args = [
            "--require=fuzz/" + corpus,
            "fuzz/" + regressions,
        ],
        data = [name + "_inputs"],
        deps = [
            name + "_lib",
            ":replay_main",
        ],
    )
    native.sh_test(
        name = name + "_run",
        size = "medium",
        srcs = ["run_fuzzer.sh"],
        args = select({
            ":fuzzing": [],
            "//conditions:default": ["--not-a-fuzz-build"],
        }) + [
            "$(rootpath :%s)" % name,
            "fuzz/" + corpus,
            "fuzz/" + regressions,
        ],
        data = [
            name,
            name + "_inputs",
        ],
        tags = [
            "fuzz",
            "manual",
        ],
    )
