// Internal to protocols/s3: what S3Api is made of. Impl authenticates a
// request, matches its route (s3_routes.h), has S3Authorizer decide it and
// hands it to the route's handler room — one class per seam of the object
// service, each in its own file:
//   S3BucketHandlers       buckets and their versioning, tagging, CORS
//   S3AccessHandlers       policy, Block Public Access, ownership, ACLs
//   S3ObjectReadHandlers   Get/Head, ListObjects, tagging, attributes
//   S3ObjectWriteHandlers  Put/append, Delete(Objects), Copy, tagging
//   S3PostObjectHandler    browser-form uploads
//   S3MultipartHandlers    multipart uploads
//   S3VersionHandlers      ListObjectVersions
//   S3ObjectLockHandlers   Object Lock configuration, retention, legal hold
//   S3LifecycleHandlers    lifecycle configuration, x-amz-expiration
// Each room holds the service part it calls (services/objects) and the
// shared S3RequestIo; none sees the others.
#pragma once

#include <type_traits>

#include "protocols/http/http_message.h"
#include "protocols/s3/s3_access_handlers.h"
#include "protocols/s3/s3_api.h"
#include "protocols/s3/s3_authorizer.h"
#include "protocols/s3/s3_bucket_handlers.h"
#include "protocols/s3/s3_context.h"
#include "protocols/s3/s3_lifecycle_handlers.h"
#include "protocols/s3/s3_multipart_handlers.h"
#include "protocols/s3/s3_object_lock_handlers.h"
#include "protocols/s3/s3_object_read_handlers.h"
#include "protocols/s3/s3_object_write_handlers.h"
#include "protocols/s3/s3_post_object_handler.h"
#include "protocols/s3/s3_request_io.h"
#include "protocols/s3/s3_routes.h"
#include "protocols/s3/s3_version_handlers.h"
#include "services/objects/object_service.h"
#include "services/security/user_store.h"

namespace skyarray::s3 {

struct S3Api::Impl {
  Impl(services::ObjectService& objects, services::UserStore& users, S3ApiOptions options);

  // What handle() learnt about the request, for its audit record.
  struct AuditNote {
    std::string op;  // the route's operation; empty when none was matched
    std::string user;
    std::string access_key;
    std::string bucket;
    std::string object;
  };
  Task<Response> handle(http::HttpRequest& request, AuditNote& note);

  // The room that holds handlers of type `Room`.
  template <typename Room>
  Room& room();

 private:
  // The caller of a signed request (SigV4 or SigV2), or an error response.
  struct Authenticated {
    auth::AuthResult auth;
    services::Caller caller;
  };
  Task<Result<Authenticated>> authenticate(http::HttpRequest& request, const S3Target& target,
                                           AuditNote& note);
  Task<Response> preflight(http::HttpRequest& request, const S3Target& target);
  Task<void> add_cors_headers(const S3Context& ctx, Response& response);

  services::BucketConfig& buckets_;
  services::UserStore& users_;
  const S3ApiOptions options_;
  S3RequestIo io_;
  S3Authorizer authorizer_;
  S3BucketHandlers bucket_handlers_;
  S3AccessHandlers access_handlers_;
  S3ObjectReadHandlers read_handlers_;
  S3ObjectWriteHandlers write_handlers_;
  S3PostObjectHandler post_handler_;
  S3MultipartHandlers multipart_handlers_;
  S3VersionHandlers version_handlers_;
  S3ObjectLockHandlers lock_handlers_;
  S3LifecycleHandlers lifecycle_handlers_;
};

template <typename Room>
Room& S3Api::Impl::room() {
  if constexpr (std::is_same_v<Room, S3BucketHandlers>) {
    return bucket_handlers_;
  } else if constexpr (std::is_same_v<Room, S3AccessHandlers>) {
    return access_handlers_;
  } else if constexpr (std::is_same_v<Room, S3ObjectReadHandlers>) {
    return read_handlers_;
  } else if constexpr (std::is_same_v<Room, S3ObjectWriteHandlers>) {
    return write_handlers_;
  } else if constexpr (std::is_same_v<Room, S3PostObjectHandler>) {
    return post_handler_;
  } else if constexpr (std::is_same_v<Room, S3MultipartHandlers>) {
    return multipart_handlers_;
  } else if constexpr (std::is_same_v<Room, S3ObjectLockHandlers>) {
    return lock_handlers_;
  } else if constexpr (std::is_same_v<Room, S3LifecycleHandlers>) {
    return lifecycle_handlers_;
  } else {
    static_assert(std::is_same_v<Room, S3VersionHandlers>, "not a handler room");
    return version_handlers_;
  }
}

namespace detail {
template <typename T>
struct RoomOf;
template <typename Room>
struct RoomOf<Task<Response> (Room::*)(S3Context&)> {
  using type = Room;
};
}  // namespace detail

// The S3Handler of a route: calls `Method` on its room.
template <auto Method>
Task<Response> route_to(S3Api::Impl& api, S3Context& ctx) {
  using Room = typename detail::RoomOf<decltype(Method)>::type;
  return (api.room<Room>().*Method)(ctx);
}

}  // namespace skyarray::s3
