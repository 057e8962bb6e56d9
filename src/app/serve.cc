// `skyarray serve`: reads the configuration, opens the engine (metadata,
// drives, blob store), the services, and the listeners (S3, admin API), then
// runs until SIGINT/SIGTERM.
//
// Configuration (TOML; every key optional, unknown keys are an error):
//   [server]  role = "array"|"cloud", data_dir = "./data"
//   [s3]      listen, max_header_bytes, idle_timeout, io_timeout, max_connections,
//             tls_cert, tls_key (HttpServer) and region, domains, max_xml_body,
//             max_put_size, stream_buffer, sigv2 (S3Api)
//   [admin]   the same HttpServer keys; listen defaults to the S3 port + 1;
//             metrics_auth = "token"|"none" (protocols/admin/metrics_auth.h)
//   [nfs]     listen (off when unset), idle_flush (protocols/nfs/nfs_server.h)
//   [dicom]   listen, ae_title, peers, limits and timeouts (DicomScp) and
//             bucket, duplicates (DicomService)
//   [dicomweb] listen, cors_origins and the HttpServer keys (DicomWebApi); the DICOM
//             service runs when either door has a listen address
//   [audit]   enabled, dir, segment_size, segment_age, upload_target, upload_prefix,
//             upload_interval (services/audit/audit_options.h)
//   [runtime] [log] [meta] [store] [[drive]] [objects] [cloud]: see each component
// Command-line values override the file.
#include "app/serve.h"

#include <malloc.h>

#include <spdlog/spdlog.h>
#include <cstdio>
#include <filesystem>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "app/audit_cloud_archive.h"
#include "app/version.h"
#include "common/config.h"
#include "common/log.h"
#include "common/periodic_task.h"
#include "common/private_file.h"
#include "common/runtime.h"
#include "common/sync_wait.h"
#include "meta/meta_store.h"
#include "protocols/admin/admin_api.h"
#include "protocols/admin/admin_audit.h"
#include "protocols/admin/admin_cloud.h"
#include "protocols/admin/admin_cloud_keys.h"
#include "protocols/admin/admin_dicom.h"
#include "protocols/admin/admin_drives.h"
#include "protocols/admin/admin_kms.h"
#include "protocols/admin/admin_lifecycle.h"
#include "protocols/admin/admin_metrics.h"
#include "protocols/admin/admin_shares.h"
#include "protocols/admin/admin_tokens.h"
#include "protocols/admin/metrics_auth.h"
#include "protocols/auth/signed_request.h"
#include "protocols/dicom/dicom_scp.h"
#include "protocols/dicomweb/dicomweb_api.h"
#include "protocols/http/http_server.h"
#include "protocols/nfs/nfs_server.h"
#include "protocols/s3/s3_api.h"
#include "protocols/s3client/s3_cloud_target.h"
#include "services/audit/audit_archiver.h"
#include "services/audit/audit_log.h"
#include "services/cloud/cloud_registry.h"
#include "services/cloud/cloud_sync.h"
#include "services/cloud/encrypting_cloud_target.h"
#include "services/dicom/dicom_service.h"
#include "services/files/file_service.h"
#include "services/objects/object_service.h"
#include "services/security/key_store.h"
#include "services/security/token_store.h"
#include "services/security/user_store.h"
#include "services/storage/storage_service.h"
#include "store/blob_store.h"
#include "store/store_options.h"

namespace skyarray::app {

namespace {

struct ServeConfig {
  std::string role = "array";
  std::string data_dir = "./data";
  LogOptions log;
  RuntimeOptions runtime;
  MetaStoreOptions meta;
  StoreOptions store;
  services::ObjectServiceOptions objects;
  services::CloudSyncOptions cloud;
  http::HttpServerOptions s3_http;
  s3::S3ApiOptions s3;
  http::HttpServerOptions admin_http;
  dicom::DicomScpOptions dicom_scp;
  services::dicom::DicomServiceOptions dicom;
  bool dicomweb_enabled = false;
  http::HttpServerOptions dicomweb_http;
  std::vector<std::string> dicomweb_cors_origins;
  bool admin_listen_set = false;
  std::string metrics_auth = "token";
  nfs::NfsOptions nfs;
  services::audit::AuditOptions audit;
};

// "host:port" → host and port+1, for the admin listener's default.
std::string next_port(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return listen;
  int port = std::atoi(listen.c_str() + colon + 1);
  return listen.substr(0, colon + 1) + std::to_string(port == 0 ? 0 : port + 1);
}

Result<ServeConfig> load_config(const ServeArgs& args) {
  Config config;
  if (args.config_path) {
    SKY_ASSIGN_OR_RETURN(config, Config::load(*args.config_path));
  }
  ConfigSection root = config.root();
  ServeConfig c;
  SKY_ASSIGN_OR_RETURN(ConfigSection server, root.section("server"));
  SKY_RETURN_IF_ERROR(server.read("role", &c.role));
  SKY_RETURN_IF_ERROR(server.read("data_dir", &c.data_dir));
  if (args.role) c.role = *args.role;
  if (args.data_dir) c.data_dir = *args.data_dir;
  if (c.role != "array" && c.role != "cloud") {
    return Status::invalid_argument("server.role must be \"array\" or \"cloud\", got \"" + c.role +
                                    "\"");
  }
  SKY_ASSIGN_OR_RETURN(ConfigSection log, root.section("log"));
  SKY_ASSIGN_OR_RETURN(c.log, LogOptions::from_config(log));
  SKY_ASSIGN_OR_RETURN(ConfigSection rt, root.section("runtime"));
  SKY_ASSIGN_OR_RETURN(c.runtime, RuntimeOptions::from_config(rt));
  SKY_ASSIGN_OR_RETURN(ConfigSection meta, root.section("meta"));
  SKY_ASSIGN_OR_RETURN(c.meta, MetaStoreOptions::from_config(meta));
  SKY_ASSIGN_OR_RETURN(ConfigSection store, root.section("store"));
  SKY_ASSIGN_OR_RETURN(std::vector<ConfigSection> drives, root.array("drive"));
  SKY_ASSIGN_OR_RETURN(c.store, StoreOptions::from_config(store, drives, c.data_dir));
  SKY_ASSIGN_OR_RETURN(ConfigSection objects, root.section("objects"));
  SKY_ASSIGN_OR_RETURN(c.objects, services::ObjectServiceOptions::from_config(objects));
  SKY_ASSIGN_OR_RETURN(ConfigSection cloud, root.section("cloud"));
  SKY_ASSIGN_OR_RETURN(c.cloud, services::CloudSyncOptions::from_config(cloud));
  SKY_ASSIGN_OR_RETURN(ConfigSection s3, root.section("s3"));
  SKY_ASSIGN_OR_RETURN(c.s3_http, http::HttpServerOptions::from_config(s3));
  SKY_ASSIGN_OR_RETURN(c.s3, s3::S3ApiOptions::from_config(s3));
  if (args.listen) c.s3_http.listen = *args.listen;
  SKY_ASSIGN_OR_RETURN(ConfigSection admin, root.section("admin"));
  c.admin_listen_set = admin.has("listen");
  SKY_ASSIGN_OR_RETURN(c.admin_http, http::HttpServerOptions::from_config(admin));
  SKY_RETURN_IF_ERROR(admin.read("metrics_auth", &c.metrics_auth));
  if (!c.admin_listen_set) c.admin_http.listen = next_port(c.s3_http.listen);
  SKY_ASSIGN_OR_RETURN(ConfigSection nfs, root.section("nfs"));
  SKY_ASSIGN_OR_RETURN(c.nfs, nfs::NfsOptions::from_config(nfs));
  SKY_ASSIGN_OR_RETURN(ConfigSection dicom, root.section("dicom"));
  SKY_ASSIGN_OR_RETURN(c.dicom_scp, dicom::DicomScpOptions::from_config(dicom));
  SKY_ASSIGN_OR_RETURN(c.dicom, services::dicom::DicomServiceOptions::from_config(dicom));
  SKY_ASSIGN_OR_RETURN(ConfigSection dicomweb, root.section("dicomweb"));
  c.dicomweb_enabled = dicomweb.has("listen");
  SKY_ASSIGN_OR_RETURN(c.dicomweb_http, http::HttpServerOptions::from_config(dicomweb));
  SKY_RETURN_IF_ERROR(dicomweb.read("cors_origins", &c.dicomweb_cors_origins));
  SKY_ASSIGN_OR_RETURN(ConfigSection audit, root.section("audit"));
  SKY_ASSIGN_OR_RETURN(c.audit, services::audit::AuditOptions::from_config(audit, c.data_dir));
  SKY_RETURN_IF_ERROR(config.check_all_used());
  return c;
}

// Writes the generated root key pair once, readable by the owner only.
Status save_root_credentials(const std::string& data_dir, const services::NewAccessKey& key) {
  return write_private_file(data_dir + "/root-credentials",
                            "SKYARRAY_ROOT_ACCESS_KEY=" + key.key.access_key_id +
                                "\nSKYARRAY_ROOT_SECRET_KEY=" + key.secret + "\n");
}

std::string endpoint_url(const http::HttpServer& server, const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  return std::string(server.tls() ? "https://" : "http://") + host + ":" +
         std::to_string(server.port());
}

Task<http::HttpResponse> refuse(http::HttpResponse response) {
  co_return response;
}

int fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "skyarray serve: %s: %s\n", what.c_str(), s.to_string().c_str());
  spdlog::critical("{}: {}", what, s.to_string());
  return 1;
}

// Creates the root user on first start and shows its keys once.
Status bootstrap_root(services::UserStore& users, const std::string& data_dir) {
  SKY_ASSIGN_OR_RETURN(auto root, users.bootstrap_root());
  if (!root) return Status::ok();
  // Shown before anything else can fail: later starts do not show it again.
  std::printf(
      "root credentials created (also in %s/root-credentials, mode 0600):\n"
      "  access key: %s\n  secret key: %s\n",
      data_dir.c_str(), root->key.access_key_id.c_str(), root->secret.c_str());
  std::fflush(stdout);
  return save_root_credentials(data_dir, *root);
}

// The DICOM doors over the DICOM service, once its bucket is ready: the
// DIMSE listener ([dicom] listen) and DICOMweb ([dicomweb] listen).
// Associations are told to end when shutdown starts; the DIMSE listener is
// joined when the loops have stopped.
struct DicomDoors {
  std::unique_ptr<dicom::DicomScp> scp;
  std::unique_ptr<dicomweb::DicomWebApi> web_api;
  std::unique_ptr<http::HttpServer> web;
};

Result<DicomDoors> start_dicom(Runtime& runtime, const ServeConfig& cfg,
                               services::dicom::DicomService& service, services::UserStore& users,
                               services::TokenStore& tokens) {
  SKY_RETURN_IF_ERROR(sync_run(service.start()));
  DicomDoors doors;
  if (cfg.dicom_scp.enabled()) {
    doors.scp = std::make_unique<dicom::DicomScp>(runtime, cfg.dicom_scp, service);
    SKY_RETURN_IF_ERROR(doors.scp->start());
    runtime.on_shutdown([s = doors.scp.get()] { s->request_stop(); });
  }
  if (cfg.dicomweb_enabled) {
    // Until per-user grants reach DICOM, the archive's readers over the web
    // are root users and the DICOM bucket's owner.
    auth::KeyLookup lookup = [&users, owner = cfg.dicom.bucket_owner](
                                 const std::string& key) -> Task<Result<auth::KeyOwner>> {
      auto credential = co_await users.lookup(key);
      if (!credential.is_ok()) co_return credential.status();
      if (!credential->root && credential->user_id != owner) {
        co_return Status::permission_denied(
            "DICOMweb takes root keys and the DICOM bucket owner's");
      }
      co_return auth::KeyOwner{credential->secret, credential->user_id, credential->root};
    };
    dicomweb::TokenCheck check_token = [&users, &tokens, owner = cfg.dicom.bucket_owner](
                                           std::string_view token) -> Task<Result<std::string>> {
      auto t = co_await tokens.verify(token, services::TokenStore::kDicomWeb,
                                      std::chrono::system_clock::now());
      if (!t.is_ok()) co_return t.status();
      auto user = co_await users.get_user(t->user_id);
      if (!user.is_ok()) co_return Status(StatusCode::kUnauthenticated, "token of a deleted user");
      if (!user->root && user->user_id != owner) {
        co_return Status::permission_denied("DICOMweb takes root users and the DICOM bucket owner");
      }
      co_return t->user_id;
    };
    doors.web_api = std::make_unique<dicomweb::DicomWebApi>(
        service, std::move(lookup), std::move(check_token), cfg.dicomweb_cors_origins);
    doors.web = std::make_unique<http::HttpServer>(
        runtime, cfg.dicomweb_http,
        [api = doors.web_api.get()](http::HttpRequest& r) { return api->handle(r); },
        dicomweb::dicomweb_http_error);
    SKY_RETURN_IF_ERROR(doors.web->start());
  }
  return doors;
}

// The protocol front ends over the running services: the S3 listener, the
// DICOM listener when configured, and the admin API (with /metrics); runs
// until shutdown.
// The running services the protocol front ends are built over.
struct ServingServices {
  services::ObjectService& objects;
  services::UserStore& users;
  services::TokenStore& tokens;
  services::KeyStore& keys;
  BlobStore& blobs;
  services::CloudSync& cloud;
  services::FileService& files;
  services::dicom::DicomService* dicom;            // null when no DICOM door is configured
  services::audit::AuditLog* audit;                // null when [audit] enabled = false
  services::audit::AuditArchiver* audit_archiver;  // null without [audit] upload_target
};

// The /metrics lines of the services beyond storage's.
std::vector<admin::MetricsSource> service_metrics(const ServingServices& svc) {
  std::vector<admin::MetricsSource> sources{
      [c = &svc.cloud] { return admin::cloud_metrics(*c); },
      [l = &svc.objects.lifecycle()] { return admin::lifecycle_metrics(*l); }};
  if (svc.dicom) {
    sources.push_back([d = svc.dicom] { return admin::dicom_metrics(*d); });
  }
  if (svc.audit) {
    sources.push_back([a = svc.audit, archiver = svc.audit_archiver] {
      return admin::audit_metrics(*a, archiver);
    });
  }
  return sources;
}

int serve_protocols(Runtime& runtime, ServeConfig& cfg, const ServingServices& svc) {
  services::UserStore& users = svc.users;
  services::CloudSync& cloud = svc.cloud;
  services::FileService& files = svc.files;
  s3::S3Api s3_api(svc.objects, users, cfg.s3, svc.audit);
  http::HttpServer s3_server(
      runtime, cfg.s3_http, [&s3_api](http::HttpRequest& r) { return s3_api.handle(r); },
      s3::s3_http_error);
  Status st = s3_server.start();
  if (!st.is_ok()) return fail("S3 listener", st);
  DicomDoors dicom_doors;
  if (svc.dicom) {
    auto started = start_dicom(runtime, cfg, *svc.dicom, users, svc.tokens);
    if (!started.is_ok()) return fail("DICOM listener", started.status());
    dicom_doors = std::move(*started);
  }
  dicom::DicomScp* dicom_scp = dicom_doors.scp.get();
  std::string s3_url = endpoint_url(s3_server, cfg.s3_http.listen);

  // The admin API (hook for more admin routes: protocols/admin) listens on
  // the S3 port + 1 unless [admin] listen says otherwise. No handler runs
  // before runtime.run(), so the API can be built once both ports are known.
  if (!cfg.admin_listen_set && cfg.s3_http.listen.ends_with(":0")) {
    cfg.admin_http.listen =
        next_port(cfg.s3_http.listen.substr(0, cfg.s3_http.listen.rfind(':') + 1) +
                  std::to_string(s3_server.port()));
  }
  std::unique_ptr<admin::AdminApi> admin_api;
  services::StorageService storage(runtime, svc.blobs);
  // GET /metrics is for Prometheus, which cannot sign: a bearer token.
  auto metrics_auth = admin::MetricsAuth::open(cfg.data_dir, cfg.metrics_auth);
  if (!metrics_auth.is_ok()) return fail("metrics token", metrics_auth.status());
  std::vector<admin::MetricsSource> metric_sources = service_metrics(svc);
  admin::MetricsAdmin metrics(storage, metric_sources);
  http::HttpServer admin_server(
      runtime, cfg.admin_http,
      [&admin_api, &metrics, &metrics_auth](http::HttpRequest& r) {
        if (r.method() == "GET" && r.target() == "/metrics") {
          if (!metrics_auth->allows(r)) return refuse(admin::MetricsAuth::refusal());
          return metrics.serve();
        }
        return admin_api->handle(r);
      },
      admin::admin_http_error);
  st = admin_server.start();
  if (!st.is_ok()) return fail("admin listener", st);
  std::string admin_url = endpoint_url(admin_server, cfg.admin_http.listen);
  admin_api = std::make_unique<admin::AdminApi>(
      users, admin::AdminInfo{version_string(), cfg.role, s3_url, admin_url}, svc.audit);
  admin_api->add_module(std::make_unique<admin::AuditAdmin>(svc.audit));
  admin_api->add_module(std::make_unique<admin::CloudAdmin>(cloud));
  admin_api->add_module(std::make_unique<admin::CloudKeysAdmin>(cloud));
  admin_api->add_module(std::make_unique<admin::DrivesAdmin>(storage));
  admin_api->add_module(std::make_unique<admin::SharesAdmin>(files));
  admin_api->add_module(std::make_unique<admin::TokensAdmin>(svc.tokens));
  admin_api->add_module(std::make_unique<admin::LifecycleAdmin>(svc.objects.lifecycle()));
  admin::ResealDataKeys reseal =
      [&objects = svc.objects](const std::string& id) -> Task<Result<uint64_t>> {
    SKY_CO_ASSIGN_OR_RETURN(auto r, co_await objects.data_keys().reseal(id));
    co_return r.resealed;
  };
  admin_api->add_module(std::make_unique<admin::KmsAdmin>(runtime, svc.keys, std::move(reseal)));
  admin_api->add_module(std::make_unique<admin::MetricsAdmin>(storage, metric_sources));

  // The NFS door (MOUNT + NFSv3 on one port) when [nfs] listen is set.
  std::unique_ptr<nfs::NfsServer> nfs_server;
  if (!cfg.nfs.listen.empty()) {
    nfs_server = std::make_unique<nfs::NfsServer>(runtime, files, cfg.nfs);
    st = nfs_server->start();
    if (!st.is_ok()) return fail("NFS listener", st);
  }

  std::printf("skyarray %s serving (role %s, data %s)\n  S3:    %s\n  admin: %s\n",
              version_string(), cfg.role.c_str(), cfg.data_dir.c_str(), s3_url.c_str(),
              admin_url.c_str());
  if (nfs_server) {
    std::printf("  NFS:   %s:%u (MOUNT v3 + NFSv3)\n",
                cfg.nfs.listen.substr(0, cfg.nfs.listen.rfind(':')).c_str(), nfs_server->port());
  }
  if (dicom_scp) {
    std::printf("  DICOM: %s:%u (AE %s)\n",
                cfg.dicom_scp.listen.substr(0, cfg.dicom_scp.listen.rfind(':')).c_str(),
                dicom_scp->port(), cfg.dicom_scp.ae_title.c_str());
  }
  if (dicom_doors.web) {
    std::printf("  DICOMweb: %s/dicom-web\n",
                endpoint_url(*dicom_doors.web, cfg.dicomweb_http.listen).c_str());
  }
  if (!metrics_auth->open_to_all()) {
    std::printf("  metrics: %s/metrics (Authorization: Bearer <%s>)\n", admin_url.c_str(),
                admin::MetricsAuth::token_path(cfg.data_dir).c_str());
  }
  std::fflush(stdout);
  spdlog::info("serving: role {}, S3 {}, admin {}", cfg.role, s3_url, admin_url);

  runtime.run();
  if (dicom_scp) dicom_scp->stop();
  spdlog::info("shut down cleanly");
  return 0;
}

// The engine and the services of one box, then its front ends.
int serve_box(ServeConfig& cfg) {
  Runtime runtime(cfg.runtime);
  auto meta = MetaStore::open(cfg.store.effective_meta_dir(), cfg.meta);
  if (!meta.is_ok()) return fail("metadata store", meta.status());
  auto blobs = BlobStore::open(cfg.store, meta->get());
  if (!blobs.is_ok()) return fail("blob store", blobs.status());
  services::ObjectService objects(runtime, **meta, **blobs, cfg.objects);
  auto users = services::UserStore::open(runtime, **meta, cfg.data_dir);
  if (!users.is_ok()) return fail("user store", users.status());
  Status root = bootstrap_root(**users, cfg.data_dir);
  if (!root.is_ok()) return fail("root user", root);

  // The cloud tier: its hook queues every change of a linked bucket in the
  // change's own batch; its workers upload through the S3 client.
  auto box = services::SecretBox::open_master(cfg.data_dir);
  if (!box.is_ok()) return fail("key store", box.status());
  // Encryption at rest: the KMS keys, sealed by the box key.
  auto keys = services::KeyStore::open(**meta, *box);
  if (!keys.is_ok()) return fail("KMS key store", keys.status());
  objects.set_key_store(keys->get());
  auto cloud_registry = services::CloudRegistry::open(**meta, std::move(*box));
  if (!cloud_registry.is_ok()) return fail("cloud configuration", cloud_registry.status());
  services::CloudSync cloud(
      runtime, **meta, objects, **cloud_registry,
      services::encrypting_target_factory(s3client::make_s3_cloud_target, cfg.cloud.part_size),
      cfg.cloud);
  objects.set_change_stager(&cloud);
  objects.set_tiering(&cloud);
  cloud.start();
  // Lifecycle rules, applied once a day per bucket (object_lifecycle.h).
  objects.lifecycle().start();

  // File shares over the object service (the NFS door serves them).
  auto shares = services::ShareRegistry::open(**meta);
  if (!shares.is_ok()) return fail("file shares", shares.status());
  auto file_ids = services::FileIds::open(**meta);
  if (!file_ids.is_ok()) return fail("file ids", file_ids.status());
  services::FileService files(runtime, objects, **shares, **file_ids);

  // The DICOM archive: its index commits with its objects (put_commit_stager.h).
  std::unique_ptr<services::dicom::DicomService> dicom;
  if (cfg.dicom_scp.enabled() || cfg.dicomweb_enabled) {
    dicom = std::make_unique<services::dicom::DicomService>(runtime, **meta, objects, cfg.dicom);
  }
  // API bearer tokens for clients that cannot sign (DICOMweb viewers).
  services::TokenStore tokens(runtime, **meta, **users);
  // The audit log every S3 request and admin call is appended to, and the
  // copy of its sealed segments in a cloud target when one is named.
  std::unique_ptr<services::audit::AuditLog> audit;
  std::unique_ptr<AuditCloudArchive> audit_archive;
  std::unique_ptr<services::audit::AuditArchiver> audit_archiver;
  if (cfg.audit.enabled) {
    auto opened = services::audit::AuditLog::open(runtime, cfg.audit);
    if (!opened.is_ok()) return fail("audit log", opened.status());
    audit = std::move(*opened);
  }
  if (audit && !cfg.audit.upload_target.empty()) {
    audit_archive = std::make_unique<AuditCloudArchive>(
        runtime, **cloud_registry,
        services::encrypting_target_factory(s3client::make_s3_cloud_target, cfg.cloud.part_size),
        cfg.audit.upload_target, cfg.audit.upload_prefix);
    audit_archiver =
        std::make_unique<services::audit::AuditArchiver>(runtime, *audit, *audit_archive);
    boost::asio::co_spawn(runtime.io(0),
                          run_periodically(runtime, cfg.audit.upload_seconds,
                                           [a = audit_archiver.get()] { return a->pass(); }),
                          boost::asio::detached);
  }
  return serve_protocols(runtime, cfg,
                         {objects, **users, tokens, **keys, **blobs, cloud, files, dicom.get(),
                          audit.get(), audit_archiver.get()});
}

}  // namespace

int run_serve(const ServeArgs& args) {
  // Request and response bodies move through 1 MiB Buffers; keep glibc from
  // mmap/munmap-ing (and page-faulting) every one of them.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  Result<ServeConfig> cfg = load_config(args);
  if (!cfg.is_ok()) return fail("configuration", cfg.status());
  Status ls = init_logging(cfg->log);
  if (!ls.is_ok()) return fail("logging", ls);

  std::error_code ec;
  std::filesystem::create_directories(cfg->data_dir, ec);
  if (ec) return fail("data directory", Status::from_errno(ec.value(), cfg->data_dir));
  return serve_box(*cfg);
}

}  // namespace skyarray::app
