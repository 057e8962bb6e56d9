#include "drives/drive_identity.h"

#include <charconv>
#include <cstdio>

#include "common/checksum.h"
#include "common/file_util.h"

namespace skyarray {

namespace {
constexpr std::string_view kMagic = "skyarray-drive";

std::string body_of(const DriveIdentity& id) {
  return std::string(kMagic) + " " + std::to_string(id.format_version) + "\narray=" + id.array_id +
         "\ndrive=" + std::to_string(id.drive_id) + "\n";
}
}  // namespace

std::string DriveIdentity::encode() const {
  std::string body = body_of(*this);
  char crc[16];
  std::snprintf(crc, sizeof(crc), "%08x", crc32c(0, body.data(), body.size()));
  return body + "crc=" + crc + "\n";
}

Result<DriveIdentity> DriveIdentity::decode(std::string_view text) {
  auto bad = [](std::string_view why) {
    return Status::corruption("drive identity file is unreadable: " + std::string(why));
  };
  size_t crc_pos = text.rfind("crc=");
  if (crc_pos == std::string_view::npos) return bad("no crc line");
  std::string_view body = text.substr(0, crc_pos);
  std::string_view crc_text = text.substr(crc_pos + 4);
  if (!crc_text.empty() && crc_text.back() == '\n') crc_text.remove_suffix(1);
  uint32_t crc = 0;
  auto [p, ec] = std::from_chars(crc_text.data(), crc_text.data() + crc_text.size(), crc, 16);
  if (ec != std::errc() || p != crc_text.data() + crc_text.size()) return bad("bad crc line");
  if (crc != crc32c(0, body.data(), body.size())) return bad("crc mismatch");

  DriveIdentity id;
  id.format_version = 0;
  size_t line_no = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    if (line_no++ == 0) {
      if (line.substr(0, kMagic.size() + 1) != std::string(kMagic) + " ") return bad("bad magic");
      std::string_view v = line.substr(kMagic.size() + 1);
      std::from_chars(v.data(), v.data() + v.size(), id.format_version);
      if (id.format_version != kFormatVersion) {
        return Status(StatusCode::kNotSupported,
                      "drive format version " + std::string(v) + " is not supported");
      }
    } else if (line.substr(0, 6) == "array=") {
      id.array_id = std::string(line.substr(6));
    } else if (line.substr(0, 6) == "drive=") {
      std::string_view v = line.substr(6);
      auto r = std::from_chars(v.data(), v.data() + v.size(), id.drive_id);
      if (r.ec != std::errc()) return bad("bad drive id");
    }
  }
  if (id.array_id.empty()) return bad("no array id");
  return id;
}

Result<DriveIdentity> DriveIdentity::read(const std::string& root) {
  auto text = FileUtil::read_file(root + "/" + kFileName, 4096);
  if (!text.is_ok()) return text.status();
  return decode(*text);
}

Status DriveIdentity::write(const std::string& root) const {
  return FileUtil::write_file_durably(root + "/" + kFileName, encode());
}

}  // namespace skyarray
