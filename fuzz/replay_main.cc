// Runs files through a fuzz target's LLVMFuzzerTestOneInput without
// libFuzzer: the replay tests of the normal (gcc) build, and the fuzzer
// binaries outside --config=fuzz, which can then reproduce a crash file.
//
//   replay [--require=PATH | PATH]...
//
// A PATH is a file or a directory whose files (recursively, sorted) are run.
// A relative PATH that does not exist is looked up in the test's runfiles.
// A --require=PATH that holds no file is a failure: a seed corpus that went
// missing must not pass as an empty run. An input that breaks an
// invariant aborts the process, naming the input on stderr first.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
    __attribute__((weak));

namespace {

namespace fs = std::filesystem;

fs::path Resolve(const std::string& arg) {
  fs::path path(arg);
  std::error_code error;
  if (path.is_absolute() || fs::exists(path, error)) return path;
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && workspace != nullptr) {
    return fs::path(srcdir) / workspace / path;
  }
  return path;
}

std::vector<fs::path> FilesOf(const fs::path& path) {
  std::vector<fs::path> files;
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    files.push_back(path);
  } else if (fs::is_directory(path, error)) {
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(
             path, fs::directory_options::follow_directory_symlink, error)) {
      // Runfiles are symlinks to the source files.
      if (fs::is_regular_file(entry.path(), error)) {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  constexpr char kRequire[] = "--require=";
  int failures = 0;
  size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const bool require = arg.rfind(kRequire, 0) == 0;
    if (require) arg.erase(0, sizeof(kRequire) - 1);
    const fs::path path = Resolve(arg);
    const std::vector<fs::path> files = FilesOf(path);
    if (files.empty() && require) {
      std::fprintf(stderr, "FAIL: no input file in %s\n", path.c_str());
      ++failures;
    }
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "FAIL: cannot read %s\n", file.c_str());
        ++failures;
        continue;
      }
      // Named before the run: an invariant failure aborts the process.
      std::fprintf(stderr, "running %s (%zu bytes)\n", file.c_str(),
                   bytes.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size());
      ++total;
    }
  }
  std::printf("%zu inputs replayed, %d failures\n", total, failures);
  return failures == 0 ? 0 : 1;
}
