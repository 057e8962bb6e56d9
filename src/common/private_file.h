// Small secret files (keys, tokens, credentials) kept in the data directory,
// readable by the owner only.
//
// write_private_file() creates the file 0600 under a temporary name, writes
// and fsyncs it, renames it into place and fsyncs the directory: the file is
// never readable by others, not even for a moment, and a crash leaves either
// the old content or the new one.
//
// read_private_file() refuses a file that group or others may read, so a
// secret exposed by a careless chmod or copy is noticed instead of used.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace skyarray {

Status write_private_file(const std::string& path, std::string_view content);

// kNotFound when the file does not exist; kPermissionDenied when its mode
// lets anyone but the owner read it.
Result<std::string> read_private_file(const std::string& path);

}  // namespace skyarray
