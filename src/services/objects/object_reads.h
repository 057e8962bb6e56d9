// ObjectReads: reading objects — open for reading (whole, range or part),
// head, list the latest versions, and read a version's tags and ACL. Never
// changes anything; metadata served from RocksDB's cache stays on the
// caller's loop.
//
// Part of the object service (object_service.h says what every call
// guarantees: atomic synced commits, owner isolation, threading, errors).
// Arguments are taken by const reference and must outlive the call: co_await
// each call in the statement that makes it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/objects/object_reader.h"
#include "services/objects/object_types.h"

namespace skyarray::services {

class ObjectContext;

class ObjectReads {
 public:
  explicit ObjectReads(std::shared_ptr<ObjectContext> ctx);

  // Opens the latest (or named) version for reading. A latest version that
  // is a delete marker → kNotFound; a version id naming a delete marker →
  // kMethodNotAllowed. Conditions → kPreconditionFailed / kNotModified.
  Task<Result<std::unique_ptr<ObjectReader>>> get_object(const Caller& caller,
                                                         const std::string& bucket,
                                                         const std::string& key,
                                                         const GetOptions& options);
  // Same checks as get_object, no data. options.range is ignored; with
  // options.part_number the part must exist (kOutOfRange), and the info is
  // still the whole object's (info.parts gives the part's size).
  Task<Result<ObjectInfo>> head_object(const Caller& caller, const std::string& bucket,
                                       const std::string& key, const GetOptions& options);
  Task<Result<ListObjectsResult>> list_objects(const Caller& caller, const std::string& bucket,
                                               const ListObjectsOptions& options);

  // The tags of the latest (or named) version; kMethodNotAllowed for a
  // delete marker.
  Task<Result<TagSet>> get_object_tagging(const Caller& caller, const std::string& bucket,
                                          const std::string& key,
                                          const std::optional<std::string>& version_id);
  // The ACL of the latest (or named) version; kNotFound / kNoSuchVersion,
  // kMethodNotAllowed for a delete marker.
  Task<Result<AccessControlList>> get_object_acl(const Caller& caller, const std::string& bucket,
                                                 const std::string& key,
                                                 const std::optional<std::string>& version_id);

 private:
  std::shared_ptr<ObjectContext> ctx_;
};

}  // namespace skyarray::services
