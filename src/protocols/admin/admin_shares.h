// Admin routes for file shares (services/files/FileService):
//   GET    /admin/v1/shares                  {"shares":[share...]}
//   GET    /admin/v1/shares/<name>           share
//   POST   /admin/v1/shares   {name,bucket,prefix,protocols:[..],clients:[..],read_only,
//                              squash:"none|root|all",anon_uid,anon_gid,uid,gid,
//                              file_mode,dir_mode}                      (201, share)
//   PUT    /admin/v1/shares/<name>  the same fields, each optional: changes only
//                                   those given (name and bucket stay)   (200, share)
//   DELETE /admin/v1/shares/<name>  removes the share (its files stay in the bucket)
// A share is {name,id,bucket,prefix,protocols,clients,read_only,squash,anon_uid,
// anon_gid,uid,gid,file_mode,dir_mode,created}; modes are octal strings ("0644").
#pragma once

#include "protocols/admin/admin_module.h"

namespace skyarray::services {
class FileService;
}

namespace skyarray::admin {

class SharesAdmin : public AdminModule {
 public:
  explicit SharesAdmin(services::FileService& files) : files_(files) {}
  Task<std::optional<http::HttpResponse>> handle(const AdminCall& call) override;

 private:
  Task<http::HttpResponse> create(const AdminCall& call);
  Task<http::HttpResponse> change(const AdminCall& call);
  services::FileService& files_;
};

}  // namespace skyarray::admin
