// Process environment, for settings that libraries read from it at start-up.
#pragma once

namespace vigie::agent {

// Sets environment variable `name` to `value` unless it is already set (an
// operator's explicit setting wins). Platform-specific: process_env_linux.cc.
void SetEnvDefault(const char* name, const char* value);

}  // namespace vigie::agent
