// UTF-8 well-formedness, for text that must stay valid JSON (audit records
// hold client-chosen bucket and object names).
#pragma once

#include <string_view>

namespace skyarray {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
// code points past U+10FFFF): what a strict JSON parser accepts in a string.
bool is_valid_utf8(std::string_view text);

}  // namespace skyarray
