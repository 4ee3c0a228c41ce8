#include <cstdlib>

#include "agent/platform/process_env.h"

namespace vigie::agent {

void SetEnvDefault(const char* name, const char* value) { setenv(name, value, /*overwrite=*/0); }

}  // namespace vigie::agent
