#pragma once

namespace vigie {
// Set by CMake from project(VERSION ...).
inline constexpr const char* kVersion = VIGIE_VERSION;
}  // namespace vigie
