// `skyarray admin cloud key export|import`: a cloud target's client-side
// encryption key in an offline key file (JSON, mode 0600):
//   {"v":1,"keys":[{"target":<name>,"key_id":<hex>,"key":<base64 32 bytes>}]}
// Without this file, objects an array encrypted cannot be restored once the
// array is lost.
#pragma once

#include <string>

#include "app/admin_cli.h"

namespace skyarray::app {

void add_cloud_key_commands(CLI::App* cloud, AdminCli& cli);

// Imports the key for `target` from `path` (the entry named `target`, or the
// file's only entry). Prints errors; returns a process exit code.
int import_cloud_key_file(const AdminCli& cli, const std::string& target, const std::string& path);

}  // namespace skyarray::app
