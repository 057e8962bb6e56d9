// NfsServer: the NFS door. MOUNT v3 and NFSv3 (and a minimal portmapper)
// on one TCP port, over the files service; plus the background flush that
// publishes writes a client left uncommitted once the file has been idle.
//
// Configuration, [nfs]:
//   listen      = "127.0.0.1:2049"  HOST:PORT; unset (the default): no NFS
//   idle_flush  = "5s"              publish staged writes idle this long
// NLM (file locking) is not provided.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace skyarray {
class ConfigSection;
class Runtime;
}  // namespace skyarray

namespace skyarray::services {
class FileService;
}

namespace skyarray::nfs {

struct NfsOptions {
  std::string listen;  // empty: off
  double idle_flush_seconds = 5;

  static Result<NfsOptions> from_config(const ConfigSection& section);
};

class NfsServer {
 public:
  NfsServer(Runtime& runtime, services::FileService& files, NfsOptions options);
  ~NfsServer();
  NfsServer(const NfsServer&) = delete;
  NfsServer& operator=(const NfsServer&) = delete;

  // Binds the port (kUnavailable when taken) and starts serving.
  Status start();
  uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace skyarray::nfs
