// Small file helpers. Every caller passes full paths built from an injectable
// root (see agent Paths), never hard-coded absolute paths.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace vigie {

// Whole file as a string. NotFound when it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes via a temporary file and rename, so readers never see half a file.
absl::Status WriteFileAtomically(const std::string& path, std::string_view content);

// Names of the entries of a directory (no "." or ".."), sorted.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path);

// root + "/" + rel, without doubling slashes. JoinPath("/", "proc") == "/proc".
std::string JoinPath(std::string_view root, std::string_view rel);

// Creates a directory and its parents.
absl::Status MakeDirs(const std::string& path);

}  // namespace vigie
