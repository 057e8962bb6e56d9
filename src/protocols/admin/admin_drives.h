// Admin routes for drives, health and scrub (services/storage/StorageService):
//   GET    /admin/v1/drives                    {"drives":[drive...]}
//   POST   /admin/v1/drives                    {path, label?, weight?, capacity?} → drive
//   POST   /admin/v1/drives/<id>/fail          take out of service; rebuild from other copies
//   POST   /admin/v1/drives/<id>/drain         move data away, then it may be removed
//   POST   /admin/v1/drives/<id>/online        return a failed or drained drive
//   POST   /admin/v1/drives/<id>/replace       {path, label?} → the new drive
//   DELETE /admin/v1/drives/<id>               remove (409-like kNotEmpty while it holds data)
//   GET    /admin/v1/health                    see health_json() in admin_drives.cc
//   POST   /admin/v1/scrub                     start a scrub pass now
//   POST   /admin/v1/checkpoint                checkpoint the metadata to the drives now
// A drive is {id, path, label, state, reason, capacity, used, available,
// errors, checksum_errors}.
#pragma once

#include <boost/json/object.hpp>

#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class StorageService;
struct StorageHealth;
}  // namespace skyarray::services

namespace skyarray::admin {

class DrivesAdmin : public AdminModule {
 public:
  explicit DrivesAdmin(services::StorageService& storage) : storage_(storage) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  services::StorageService& storage_;
};

// The health snapshot as the API returns it (also used by /metrics tests).
boost::json::object health_json(const services::StorageHealth& h);

}  // namespace skyarray::admin
