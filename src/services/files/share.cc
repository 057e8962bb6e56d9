#include "services/files/share.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/cidr.h"
#include "common/json_fields.h"

namespace json = boost::json;

namespace skyarray::services {

namespace {

constexpr std::string_view kProtocols[] = {"nfs", "smb", "ftp"};

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || n[0] == '.') return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace

std::string_view squash_name(Squash s) {
  switch (s) {
    case Squash::kNone:
      return "none";
    case Squash::kRoot:
      return "root";
    case Squash::kAll:
      return "all";
  }
  return "root";
}

Result<Squash> parse_squash(std::string_view name) {
  if (name == "none") return Squash::kNone;
  if (name == "root") return Squash::kRoot;
  if (name == "all") return Squash::kAll;
  return Status::invalid_argument("squash must be none, root or all, not '" + std::string(name) +
                                  "'");
}

Status Share::validate() const {
  if (!valid_name(name))
    return Status::invalid_argument("share name '" + name +
                                    "': 1-64 of A-Z a-z 0-9 . _ -, not starting with '.'");
  if (bucket.empty()) return Status::invalid_argument("a share needs a bucket");
  if (!prefix.empty() && (prefix.back() != '/' || prefix.front() == '/' ||
                          prefix.find("//") != std::string::npos || prefix.size() > 512)) {
    return Status::invalid_argument("share prefix '" + prefix +
                                    "' must end with '/', not start with '/', and have no '//'");
  }
  if (protocols.empty()) return Status::invalid_argument("a share needs at least one protocol");
  for (const auto& p : protocols) {
    if (std::find(std::begin(kProtocols), std::end(kProtocols), p) == std::end(kProtocols))
      return Status::invalid_argument("unknown protocol '" + p + "' (nfs, smb, ftp)");
  }
  if (clients.empty())
    return Status::invalid_argument("a share needs at least one client address block");
  for (const auto& c : clients) SKY_RETURN_IF_ERROR(Cidr::parse(c).status());
  if (file_mode > 07777 || dir_mode > 07777)
    return Status::invalid_argument("modes are permission bits (at most 07777)");
  return Status::ok();
}

bool Share::serves(std::string_view protocol) const {
  return std::find(protocols.begin(), protocols.end(), protocol) != protocols.end();
}

bool Share::allows_client(const std::string& address) const {
  for (const auto& c : clients) {
    auto cidr = Cidr::parse(c);
    if (cidr.is_ok() && cidr->contains(address)) return true;
  }
  return false;
}

FileIdentity Share::map_identity(uint32_t u, uint32_t g, std::vector<uint32_t> groups) const {
  if (squash == Squash::kAll || (squash == Squash::kRoot && u == 0))
    return FileIdentity{anon_uid, anon_gid, {}};
  return FileIdentity{u, g, std::move(groups)};
}

json::object Share::to_json() const {
  return {{"v", 1},
          {"name", name},
          {"id", id},
          {"bucket", bucket},
          {"prefix", prefix},
          {"protocols", json::value_from(protocols)},
          {"clients", json::value_from(clients)},
          {"read_only", read_only},
          {"squash", std::string(squash_name(squash))},
          {"anon_uid", anon_uid},
          {"anon_gid", anon_gid},
          {"uid", uid},
          {"gid", gid},
          {"file_mode", file_mode},
          {"dir_mode", dir_mode},
          {"created_ns", created_ns}};
}

Result<Share> Share::from_json(const json::object& o) {
  Share s;
  s.name = json_fields::string_of(o, "name");
  s.id = static_cast<uint32_t>(json_fields::int_of(o, "id", 0));
  s.bucket = json_fields::string_of(o, "bucket");
  s.prefix = json_fields::string_of(o, "prefix");
  s.protocols = json_fields::strings_of(o, "protocols");
  s.clients = json_fields::strings_of(o, "clients");
  auto* ro = o.if_contains("read_only");
  s.read_only = ro && ro->is_bool() && ro->as_bool();
  std::string squash = json_fields::string_of(o, "squash");
  if (!squash.empty()) {
    SKY_ASSIGN_OR_RETURN(s.squash, parse_squash(squash));
  }
  s.anon_uid = static_cast<uint32_t>(json_fields::int_of(o, "anon_uid", 65534));
  s.anon_gid = static_cast<uint32_t>(json_fields::int_of(o, "anon_gid", 65534));
  s.uid = static_cast<uint32_t>(json_fields::int_of(o, "uid", 0));
  s.gid = static_cast<uint32_t>(json_fields::int_of(o, "gid", 0));
  s.file_mode = static_cast<uint32_t>(json_fields::int_of(o, "file_mode", 0644));
  s.dir_mode = static_cast<uint32_t>(json_fields::int_of(o, "dir_mode", 0755));
  s.created_ns = json_fields::int_of(o, "created_ns", 0);
  return s;
}

}  // namespace skyarray::services
