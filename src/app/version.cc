#include "app/version.h"

namespace skyarray::app {

const char* version_string() {
  return SKYARRAY_VERSION;
}

}  // namespace skyarray::app
