// s3_http_bench: the S3 front end against nginx on the same machine, same
// disk, same bytes, in the same run. Not a test: it prints figures and ratios.
//
//   s3_http_bench [--skyarray PATH] [--dir DIR] [--seconds N] [--quick] [--small-only]
//                 [--small-write] [--get-only] [--object 1m|64m] [--conns N] [--no-audit]
//
// Starts nginx (serving DIR/www) and `skyarray serve` (data in DIR/sky,
// replicas = 1 so both write the disk once), then measures with a small
// keep-alive HTTP/1.1 load generator (one thread and one connection each):
//   1. GET of 1 MiB and 64 MiB objects at 1, 8 and 64 connections: MiB/s,
//      and skyarray/nginx (goal >= 0.90); each point alternates between the
//      two servers in four rounds;
//   2. PUT of 64 MiB objects at 1 and 4 connections vs writing the same
//      bytes to a file with fsync (the disk's raw speed);
//   3. 4 KiB PUT and GET at 16 connections: ops/s, p50 and p99 latency; the
//      PUT against fio in the same run, on the same directory: 16 jobs of
//      4 KiB writes each followed by fdatasync (the disk's bound for small
//      acknowledged writes; goal: PUT ops/s >= 0.30 x fio's IOPS with p99
//      < 10 ms). --small-write runs only this point;
//   4. 1,000 concurrent connections held, each then used once: errors, and
//      the server's RSS growth per idle connection (measured first, before
//      big objects leave free memory in the allocator).
// --no-audit turns skyarray's audit log off ([audit] enabled = false): the
// same run with and without it is the audit log's cost.
// Requests are presigned (SigV4 query auth), so the client does no per-request
// crypto and nginx and skyarray see the same request shape.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "protocols/client/sigv4_signer.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kAccessKey = "BENCHROOTKEY00000001";
constexpr const char* kSecretKey = "bench-secret-000000000000000000000000000";

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads one response; returns the status (0 on a broken connection). The body
// is read into `scratch` and dropped.
int read_response(int fd, std::string& pending, std::vector<char>& scratch) {
  size_t end;
  while ((end = pending.find("\r\n\r\n")) == std::string::npos) {
    ssize_t r = ::recv(fd, scratch.data(), scratch.size(), 0);
    if (r <= 0) return 0;
    pending.append(scratch.data(), static_cast<size_t>(r));
  }
  int status = std::atoi(pending.c_str() + 9);
  uint64_t length = 0;
  std::string head = pending.substr(0, end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t cl = head.find("\r\ncontent-length:");
  if (cl != std::string::npos) length = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
  uint64_t have = pending.size() - end - 4;
  if (have >= length) {
    pending.erase(0, end + 4 + length);
    return status;
  }
  pending.clear();
  uint64_t left = length - have;
  while (left > 0) {
    ssize_t r = ::recv(fd, scratch.data(), std::min<uint64_t>(scratch.size(), left), 0);
    if (r <= 0) return 0;
    left -= static_cast<uint64_t>(r);
  }
  return status;
}

// GET points alternate between the servers this many times.
constexpr int kRounds = 4;

struct Result {
  double seconds = 0;
  uint64_t ops = 0, errors = 0, bytes = 0;
  std::vector<double> latencies_ms;
  double mib_s() const { return bytes / seconds / (1 << 20); }
  void add(const Result& o) {
    seconds += o.seconds;
    ops += o.ops;
    errors += o.errors;
    bytes += o.bytes;
    latencies_ms.insert(latencies_ms.end(), o.latencies_ms.begin(), o.latencies_ms.end());
  }
  double ops_s() const { return ops / seconds; }
  double pct(double p) {
    if (latencies_ms.empty()) return 0;
    std::sort(latencies_ms.begin(), latencies_ms.end());
    return latencies_ms[std::min(latencies_ms.size() - 1,
                                 static_cast<size_t>(p * latencies_ms.size()))];
  }
};

// `conns` keep-alive connections, each sending `request` (+ `body`) in a loop
// for `seconds`; every response must be `want_status`.
Result run_load(uint16_t port, int conns, double seconds, const std::vector<std::string>& requests,
                const std::string& body, uint64_t bytes_per_op, int want_status) {
  std::vector<Result> per(conns);
  std::vector<std::thread> threads;
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  for (int c = 0; c < conns; ++c) {
    threads.emplace_back([&, c] {
      Result& r = per[c];
      std::vector<char> scratch(1 << 20);
      std::string pending;
      int fd = connect_to(port);
      size_t i = static_cast<size_t>(c);
      while (fd >= 0 && Clock::now() < deadline) {
        const std::string& req = requests[i++ % requests.size()];
        auto t0 = Clock::now();
        if (!send_all(fd, req.data(), req.size()) || !send_all(fd, body.data(), body.size())) {
          ++r.errors;
          break;
        }
        int status = read_response(fd, pending, scratch);
        if (status != want_status) {
          ++r.errors;
          if (status == 0) break;
          continue;
        }
        r.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        ++r.ops;
        r.bytes += bytes_per_op;
      }
      if (fd >= 0) ::close(fd);
    });
  }
  for (auto& t : threads) t.join();
  Result total;
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& r : per) {
    total.ops += r.ops;
    total.errors += r.errors;
    total.bytes += r.bytes;
    total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(),
                              r.latencies_ms.end());
  }
  return total;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log, bool with_creds) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    if (with_creds) {
      ::setenv("SKYARRAY_ROOT_ACCESS_KEY", kAccessKey, 1);
      ::setenv("SKYARRAY_ROOT_SECRET_KEY", kSecretKey, 1);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::_Exit(127);
  }
  return pid;
}

bool wait_port(uint16_t port) {
  for (int i = 0; i < 300; ++i) {
    int fd = connect_to(port);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

std::string request_line(const std::string& method, const std::string& target, uint16_t port,
                         uint64_t content_length) {
  std::string r =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (method == "PUT") r += "Content-Length: " + std::to_string(content_length) + "\r\n";
  return r + "\r\n";
}

// fio in the same directory: `jobs` jobs of 4 KiB writes, each followed by
// fdatasync, for `seconds`. Returns the write IOPS (0 when fio failed).
double fio_fdatasync_iops(const std::string& dir, int jobs, double seconds) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  std::string cmd = "fio --name=small-write --directory=" + dir +
                    " --rw=write --bs=4k --size=16m --numjobs=" + std::to_string(jobs) +
                    " --fdatasync=1 --ioengine=sync --time_based --runtime=" +
                    std::to_string(std::max(1, static_cast<int>(seconds))) +
                    " --group_reporting --output-format=terse 2>&1";
  std::printf("fio: %s\n", cmd.c_str());
  std::fflush(stdout);
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  if (p) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  fs::remove_all(dir);
  // Terse format v3: field 49 (1-based) is the write IOPS.
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t i = 0; i <= out.size(); ++i) {
    if (i == out.size() || out[i] == ';' || out[i] == '\n') {
      fields.push_back(out.substr(start, i - start));
      start = i + 1;
      if (i < out.size() && out[i] == '\n') break;
    }
  }
  if (fields.size() < 49 || fields[0] != "3") {
    std::fprintf(stderr, "fio failed or is missing: %s\n", out.c_str());
    return 0;
  }
  return std::atof(fields[48].c_str());
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::string skyarray = (fs::path(argv[0]).parent_path() / "skyarray").string();
  std::string dir = "./s3-bench-data";
  double seconds = 5;
  bool quick = false;
  bool small_only = false;   // only the 4 KiB section (for profiling)
  bool small_write = false;  // only the 4 KiB PUT point against fio
  bool get_only = false;     // only the GET section
  std::string only_object;   // --object 1m|64m: only that GET object (for profiling)
  int only_conns = 0;        // --conns N: only that connection count
  bool audit = true;         // --no-audit: [audit] enabled = false
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--skyarray" && i + 1 < argc)
      skyarray = argv[++i];
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--seconds" && i + 1 < argc)
      seconds = std::atof(argv[++i]);
    else if (a == "--quick")
      quick = true;
    else if (a == "--small-only")
      small_only = true;
    else if (a == "--small-write")
      small_write = small_only = true;
    else if (a == "--get-only")
      get_only = true;
    else if (a == "--object" && i + 1 < argc)
      only_object = argv[++i];
    else if (a == "--conns" && i + 1 < argc)
      only_conns = std::atoi(argv[++i]);
    else if (a == "--no-audit")
      audit = false;
    else {
      std::fprintf(stderr,
                   "usage: %s [--skyarray PATH] [--dir DIR] [--seconds N] [--quick] [--small-only] "
                   "[--small-write] [--get-only] [--object 1m|64m] [--conns N] [--no-audit]\n",
                   argv[0]);
      return 2;
    }
  }
  ::signal(SIGPIPE, SIG_IGN);
  fs::remove_all(dir);
  fs::create_directories(dir + "/www/bench");
  fs::create_directories(dir + "/nginx");
  dir = fs::absolute(dir).string();

  std::mt19937_64 rng(42);
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = rng();
      std::memcpy(s.data() + i, &v, std::min<size_t>(8, n - i));
    }
    return s;
  };
  const std::string obj1 = random_bytes(1 << 20), obj64 = random_bytes(64 << 20),
                    obj4k = random_bytes(4096);
  for (auto& [name, data] : std::vector<std::pair<std::string, const std::string*>>{
           {"1m", &obj1}, {"64m", &obj64}, {"4k", &obj4k}}) {
    std::ofstream(dir + "/www/bench/" + name, std::ios::binary).write(data->data(), data->size());
  }

  // Three distinct ports picked now, the admin listener's too: its default
  // (the S3 port + 1) may be some client's ephemeral port by then.
  uint16_t nginx_port = free_port(), sky_port = free_port(), admin_port = free_port();
  while (nginx_port == sky_port) sky_port = free_port();
  while (admin_port == sky_port || admin_port == nginx_port) admin_port = free_port();
  // The same number of nginx workers as skyarray event loops (one per core),
  // sendfile and keep-alive on: nginx at its best for static files.
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::ofstream(dir + "/nginx/nginx.conf")
      << "daemon off; worker_processes " << workers << "; pid " << dir
      << "/nginx/nginx.pid; error_log " << dir
      << "/nginx/error.log;\nevents { worker_connections 4096; }\nhttp { access_log off; sendfile "
         "on; "
      << "tcp_nopush on; keepalive_timeout 75s; keepalive_requests 1000000; "
         "client_body_temp_path "
      << dir << "/nginx/body; "
      << "proxy_temp_path " << dir << "/nginx/proxy; fastcgi_temp_path " << dir << "/nginx/fcgi; "
      << "uwsgi_temp_path " << dir << "/nginx/uwsgi; scgi_temp_path " << dir << "/nginx/scgi;\n"
      << "  server { listen 127.0.0.1:" << nginx_port << "; root " << dir << "/www; } }\n";
  std::ofstream(dir + "/sky.toml") << "[runtime]\nio_threads = " << workers
                                   << "\n[store]\nreplicas = 1\n[log]\nlevel = \"warn\"\n"
                                   << "[admin]\nlisten = \"127.0.0.1:" << admin_port << "\"\n"
                                   << "[audit]\nenabled = " << (audit ? "true" : "false") << "\n";
  pid_t nginx = spawn({"nginx", "-c", dir + "/nginx/nginx.conf", "-p", dir + "/nginx"},
                      dir + "/nginx.log", false);
  pid_t sky = spawn({skyarray, "serve", "--data", dir + "/sky", "--config", dir + "/sky.toml",
                     "--listen", "127.0.0.1:" + std::to_string(sky_port)},
                    dir + "/skyarray.log", true);
  if (!wait_port(nginx_port) || !wait_port(sky_port)) {
    std::fprintf(stderr, "servers did not start; see %s/*.log\n", dir.c_str());
    ::kill(nginx, SIGTERM);
    ::kill(sky, SIGTERM);
    return 1;
  }
  std::string host = "127.0.0.1:" + std::to_string(sky_port);
  skyarray::s3::SigV4Signer signer({kAccessKey, kSecretKey, ""}, "us-east-1");
  auto presigned = [&](const std::string& method, const std::string& path) {
    return signer.presign(method, path, host, 3600);
  };
  // Setup requests, one at a time.
  auto single = [&](const std::string& method, const std::string& path, const std::string& body) {
    std::vector<char> scratch(1 << 20);
    std::string pending;
    int fd = connect_to(sky_port);
    std::string req = request_line(method, presigned(method, path), sky_port, body.size());
    bool ok = send_all(fd, req.data(), req.size()) && send_all(fd, body.data(), body.size()) &&
              read_response(fd, pending, scratch) == 200;
    ::close(fd);
    return ok;
  };
  // Run on a server that has not yet moved big objects, so the allocator
  // has little free memory to hide the connections' own in.
  auto idle_connections = [&] {
    std::printf("\n== 1,000 concurrent connections\n");
    long before = rss_kib(sky);
    std::vector<int> fds;
    for (int i = 0; i < 1000; ++i) fds.push_back(connect_to(sky_port));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    long held = rss_kib(sky);
    std::string req = request_line("GET", presigned("GET", "/bench/4k"), sky_port, 0);
    std::vector<char> scratch(1 << 16);
    int ok = 0, failed = 0;
    for (int fd : fds) {
      std::string pending;
      if (fd >= 0 && send_all(fd, req.data(), req.size()) &&
          read_response(fd, pending, scratch) == 200) {
        ++ok;
      } else {
        ++failed;
      }
    }
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
    std::printf("held 1000, then one GET on each: %d ok, %d errors\n", ok, failed);
    std::printf(
        "server RSS %ld KiB before, %ld KiB with 1000 idle connections: %.1f KiB per idle "
        "connection\n",
        before, held, (held - before) / 1000.0);
  };
  std::printf(
      "s3_http_bench: skyarray vs nginx, same bytes, same disk (%s), %.0f s per point, %u "
      "event loops / nginx workers each\n",
      dir.c_str(), seconds, workers);
  bool setup = single("PUT", "/bench", "") && single("PUT", "/bench/4k", obj4k);
  if (setup && !small_write) idle_connections();
  if (!small_write) {
    setup = setup && single("PUT", "/bench/1m", obj1) && single("PUT", "/bench/64m", obj64);
  }
  if (!setup) {
    std::fprintf(stderr, "could not upload the benchmark objects; see %s/skyarray.log\n",
                 dir.c_str());
    ::kill(nginx, SIGTERM);
    ::kill(sky, SIGTERM);
    return 1;
  }
  if (!small_only) {
    std::printf("\n== GET throughput (MiB/s)\n%-8s %6s %12s %12s %8s %8s\n", "object", "conns",
                "skyarray", "nginx", "ratio", "errors");
    std::vector<int> conn_list = quick ? std::vector<int>{1, 8} : std::vector<int>{1, 8, 64};
    if (only_conns > 0) conn_list = {only_conns};
    for (const char* name : {"1m", "64m"}) {
      if (!only_object.empty() && only_object != name) continue;
      uint64_t size = std::string(name) == "1m" ? obj1.size() : obj64.size();
      std::string path = std::string("/bench/") + name;
      for (int c : conn_list) {
        // Alternating rounds, so that drift in the machine (other tenants,
        // clock speed) weighs on both servers alike.
        Result s, n;
        for (int round = 0; round < kRounds; ++round) {
          s.add(run_load(sky_port, c, seconds / kRounds,
                         {request_line("GET", presigned("GET", path), sky_port, 0)}, "", size,
                         200));
          n.add(run_load(nginx_port, c, seconds / kRounds,
                         {request_line("GET", path, nginx_port, 0)}, "", size, 200));
        }
        std::printf("%-8s %6d %12.0f %12.0f %8.2f %8llu\n", name, c, s.mib_s(), n.mib_s(),
                    s.mib_s() / n.mib_s(), static_cast<unsigned long long>(s.errors + n.errors));
        std::fflush(stdout);
      }
    }
    if (get_only) {
      ::kill(nginx, SIGTERM);
      ::kill(sky, SIGTERM);
      return 0;
    }

    // The disk's raw speed for the same bytes: 1 MiB writes then fsync, like a PUT.
    double raw_mib_s;
    {
      auto t0 = Clock::now();
      int total = quick ? 4 : 8;
      for (int i = 0; i < total; ++i) {
        int fd = ::open((dir + "/raw.bin").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        for (size_t off = 0; off < obj64.size(); off += 1 << 20) {
          if (::write(fd, obj64.data() + off, 1 << 20) < 0) break;
        }
        ::fsync(fd);
        ::close(fd);
      }
      raw_mib_s = total * 64.0 / std::chrono::duration<double>(Clock::now() - t0).count();
      fs::remove(dir + "/raw.bin");
    }
    std::printf(
        "\n== PUT throughput, 64 MiB objects (MiB/s); raw file write+fsync: %.0f MiB/s\n%6s %12s "
        "%8s "
        "%8s\n",
        raw_mib_s, "conns", "skyarray", "ratio", "errors");
    for (int c : {1, 4}) {
      std::vector<std::string> reqs;
      for (int i = 0; i < 64; ++i) {
        reqs.push_back(request_line("PUT", presigned("PUT", "/bench/put64-" + std::to_string(i)),
                                    sky_port, obj64.size()));
      }
      Result s = run_load(sky_port, c, seconds, reqs, obj64, obj64.size(), 200);
      std::printf("%6d %12.0f %8.2f %8llu\n", c, s.mib_s(), s.mib_s() / raw_mib_s,
                  static_cast<unsigned long long>(s.errors));
      std::fflush(stdout);
    }

  }  // !small_only

  std::printf("\n== 4 KiB objects, 16 connections\n");
  // The disk's bound for small acknowledged writes, measured now, on the
  // directory that holds the server's data.
  const double fio_iops = fio_fdatasync_iops(dir + "/fio", 16, seconds);
  std::printf("%-6s %10s %10s %10s %8s\n", "op", "ops/s", "p50 ms", "p99 ms", "errors");
  std::printf("%-6s %10.0f %10s %10s %8s   (16 jobs, 4 KiB write + fdatasync)\n", "fio", fio_iops,
              "-", "-", "-");
  {
    std::vector<std::string> puts;
    for (int i = 0; i < 1000; ++i) {
      puts.push_back(request_line("PUT", presigned("PUT", "/bench/small-" + std::to_string(i)),
                                  sky_port, 4096));
    }
    Result p = run_load(sky_port, 16, seconds, puts, obj4k, 4096, 200);
    const double p99 = p.pct(0.99);
    const double ratio = fio_iops > 0 ? p.ops_s() / fio_iops : 0;
    std::printf(
        "%-6s %10.0f %10.2f %10.2f %8llu   (PUT/fio %.2f, goal >= 0.30 with p99 < 10 ms: %s)\n",
        "PUT", p.ops_s(), p.pct(0.5), p99, static_cast<unsigned long long>(p.errors), ratio,
        ratio >= 0.30 && p99 < 10 ? "met" : "not met");
    std::fflush(stdout);
  }
  if (!small_write) {
    Result g =
        run_load(sky_port, 16, seconds,
                 {request_line("GET", presigned("GET", "/bench/4k"), sky_port, 0)}, "", 4096, 200);
    Result n = run_load(nginx_port, 16, seconds, {request_line("GET", "/bench/4k", nginx_port, 0)},
                        "", 4096, 200);
    std::printf("%-6s %10.0f %10.2f %10.2f %8llu\n", "GET", g.ops_s(), g.pct(0.5), g.pct(0.99),
                static_cast<unsigned long long>(g.errors));
    std::printf("%-6s %10.0f %10.2f %10.2f %8llu   (GET ratio %.2f)\n", "nginx", n.ops_s(),
                n.pct(0.5), n.pct(0.99), static_cast<unsigned long long>(n.errors),
                g.ops_s() / n.ops_s());
  }

  ::kill(sky, SIGTERM);
  ::kill(nginx, SIGQUIT);
  int st = 0;
  ::waitpid(sky, &st, 0);
  ::waitpid(nginx, nullptr, 0);
  std::printf("\nskyarray exit status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
