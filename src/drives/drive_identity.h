// DriveIdentity: who a drive belongs to, written on the drive itself.
//
// A drive moved between arrays, or a directory mistyped in the config, must
// be refused before anything is written to or deleted from it. Each
// formatted drive holds the file `skyarray-drive.id` at its root.
//
// File format, version 1 (text, one `key=value` per line, LF endings):
//   skyarray-drive 1
//   array=<array id: 32 hex digits>
//   drive=<drive id: decimal, unique within the array>
//   crc=<CRC32C of the preceding lines, 8 hex digits>
// Readers refuse an unknown first line or version, and a bad crc.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace skyarray {

struct DriveIdentity {
  static constexpr int kFormatVersion = 1;
  static constexpr const char* kFileName = "skyarray-drive.id";

  std::string array_id;
  uint32_t drive_id = 0;
  int format_version = kFormatVersion;

  std::string encode() const;
  static Result<DriveIdentity> decode(std::string_view text);

  // Reads <root>/skyarray-drive.id; kNotFound when absent.
  static Result<DriveIdentity> read(const std::string& root);
  // Writes the file durably (temp, fsync, rename, fsync dir).
  Status write(const std::string& root) const;
};

}  // namespace skyarray
