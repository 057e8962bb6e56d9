#pragma once

namespace skyarray::app {

// "0.1.0" (from the CMake project version).
const char* version_string();

}  // namespace skyarray::app
