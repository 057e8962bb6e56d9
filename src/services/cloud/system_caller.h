// The caller the cloud tier acts as on the object service: a system caller
// reaches every bucket, may write read-only mirrors (it is the mirror), and
// its reads are not use (CacheEvictor ignores them).
#pragma once

#include "services/objects/object_types.h"

namespace skyarray::services {

inline Caller system_caller() {
  return Caller{"", true};
}

}  // namespace skyarray::services
