#include "protocols/nfs/nfs_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "common/config.h"
#include "common/runtime.h"
#include "protocols/nfs/mount_program.h"
#include "protocols/nfs/nfs_program.h"
#include "protocols/rpc/rpc_server.h"
#include "services/files/file_service.h"

namespace asio = boost::asio;

namespace skyarray::nfs {

Result<NfsOptions> NfsOptions::from_config(const ConfigSection& section) {
  NfsOptions o;
  SKY_RETURN_IF_ERROR(section.read("listen", &o.listen));
  SKY_RETURN_IF_ERROR(section.read_seconds("idle_flush", &o.idle_flush_seconds, 0.1, 3600));
  return o;
}

struct NfsServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(Runtime& rt, services::FileService& f, NfsOptions o)
      : runtime(rt),
        files(f),
        options(std::move(o)),
        rpc(rt, rpc::RpcServerOptions{options.listen}),
        mount(f),
        nfs(f),
        tick(rt.io(0)) {}

  Task<void> flush_loop() {
    auto idle = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(options.idle_flush_seconds));
    while (!runtime.stopping()) {
      tick.expires_after(std::chrono::seconds(1));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
      if (runtime.stopping()) break;
      co_await files.flush_idle(idle.count());
    }
  }

  Runtime& runtime;
  services::FileService& files;
  NfsOptions options;
  rpc::RpcServer rpc;
  MountProgram mount;
  NfsProgram nfs;
  asio::steady_timer tick;  // on io(0)
};

NfsServer::NfsServer(Runtime& runtime, services::FileService& files, NfsOptions options)
    : impl_(std::make_shared<Impl>(runtime, files, std::move(options))) {
  impl_->rpc.add_program(&impl_->mount);
  impl_->rpc.add_program(&impl_->nfs);
}

NfsServer::~NfsServer() = default;

Status NfsServer::start() {
  SKY_RETURN_IF_ERROR(impl_->rpc.start());
  auto self = impl_;
  asio::co_spawn(
      impl_->runtime.io(0), [self]() -> Task<void> { co_await self->flush_loop(); },
      asio::detached);
  impl_->runtime.on_shutdown(
      [self] { asio::post(self->tick.get_executor(), [self] { self->tick.cancel(); }); });
  return Status::ok();
}

uint16_t NfsServer::port() const {
  return impl_->rpc.port();
}

}  // namespace skyarray::nfs
