// AuditLog on real files: records chain across segments and restarts, a
// crash's incomplete last line is cut and counted in the seal, a mutating
// record is synced before record() returns, export pages by time and seq,
// and verify finds an edit made to a file.
#include "services/audit/audit_log.h"

#include <map>

#include "services/audit/audit_archive.h"
#include "services/audit/audit_archiver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/file_util.h"
#include "common/runtime.h"
#include "service_test_util.h"

namespace skyarray::services::audit {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("audit_log_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    RuntimeOptions ro;
    ro.io_threads = 1;
    ro.blocking_threads = 2;
    rt_ = std::make_unique<Runtime>(ro);
    options_.dir = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AuditLog> open() {
    auto log = AuditLog::open(*rt_, options_);
    EXPECT_TRUE(log.is_ok()) << log.status().to_string();
    return log.is_ok() ? std::move(*log) : nullptr;
  }
  static AuditEvent put(int i) {
    AuditEvent e;
    e.op = "PutObject";
    e.user = "alice";
    e.bucket = "scans";
    e.object = "img-" + std::to_string(i);
    e.status = 200;
    e.bytes_in = 10;
    e.request_id = "rid-" + std::to_string(i);
    e.mutating = true;
    return e;
  }
  std::string segment_path(uint64_t n) const { return (dir_ / AuditLog::segment_name(n)).string(); }
  std::string read(uint64_t n) const { return *FileUtil::read_file(segment_path(n), 1 << 30); }

  std::filesystem::path dir_;
  std::unique_ptr<Runtime> rt_;
  AuditOptions options_;
};

TEST_F(AuditLogTest, ChainContinuesAcrossRestartsAndSegments) {
  {
    auto log = open();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(put(i), nullptr).is_ok());
    ASSERT_TRUE(log->sync().is_ok());
  }
  options_.segment_size = 4096;
  auto log = open();
  for (int i = 3; i < 60; ++i) ASSERT_TRUE(log->append(put(i), nullptr).is_ok());
  auto report = log->verify_blocking();
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->ok()) << report->problems[0].detail;
  EXPECT_EQ(report->records, 60u);
  EXPECT_GE(report->segments, 4u);
  // The first run's segment was sealed by the second start.
  EXPECT_NE(read(1).find("\"type\":\"seal\",\"records\":3"), std::string::npos) << read(1);
}

TEST_F(AuditLogTest, CrashTornLastLineIsCutAndCounted) {
  {
    auto log = open();
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(log->append(put(i), nullptr).is_ok());
  }
  {
    std::ofstream f(segment_path(1), std::ios::app);
    f << R"({"v":1,"seq":3,"seg":1,"ti)";
  }
  auto log = open();
  ASSERT_TRUE(log->append(put(2), nullptr).is_ok());
  auto report = log->verify_blocking();
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->ok()) << report->problems[0].detail;
  EXPECT_NE(read(1).find("\"torn\":26"), std::string::npos) << read(1);
}

TEST_F(AuditLogTest, MutatingRecordIsSyncedBeforeRecordReturns) {
  auto log = open();
  Status s = testing::run(log->record(put(1)));
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  AuditEvent get = put(2);
  get.op = "GetObject";
  get.mutating = false;
  EXPECT_TRUE(testing::run(log->record(get)).is_ok());
  EXPECT_NE(read(1).find("\"op\":\"GetObject\""), std::string::npos);
}

TEST_F(AuditLogTest, ExportPagesBySeqAndTime) {
  auto log = open();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->append(put(i), nullptr).is_ok());
  auto page = log->export_blocking(Timestamp{}, 0, 3);
  ASSERT_TRUE(page.is_ok());
  ASSERT_EQ(page->lines.size(), 3u);
  EXPECT_TRUE(page->more);
  auto rest = log->export_blocking(Timestamp{}, page->next_after, 3);
  ASSERT_TRUE(rest.is_ok());
  EXPECT_EQ(rest->lines.size(), 2u);
  EXPECT_FALSE(rest->more);
  EXPECT_NE(rest->lines[1].find("rid-4"), std::string::npos);
  auto future =
      log->export_blocking(std::chrono::system_clock::now() + std::chrono::hours(1), 0, 10);
  ASSERT_TRUE(future.is_ok());
  EXPECT_TRUE(future->lines.empty());
}

TEST_F(AuditLogTest, VerifyFindsAnEditInTheFile) {
  auto log = open();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(log->append(put(i), nullptr).is_ok());
  std::string text = read(1);
  size_t at = text.find("img-2");
  ASSERT_NE(at, std::string::npos);
  text[at + 4] = '9';
  ASSERT_TRUE(FileUtil::write_file_durably(segment_path(1), text, 0600).is_ok());
  auto report = log->verify_blocking();
  ASSERT_TRUE(report.is_ok());
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->problems[0].segment, 1u);
  EXPECT_EQ(report->problems[0].record, 3u);
  EXPECT_EQ(report->problems[0].kind, "edited");
}

TEST_F(AuditLogTest, VerifyDirChecksACopyWithoutTheLog) {
  {
    auto log = open();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(log->append(put(i), nullptr).is_ok());
  }
  auto report = AuditLog::verify_dir(dir_.string());
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->records, 4u);
  std::string text = read(1);
  text.erase(text.find('\n') + 1, text.find('\n', text.find('\n') + 1) - text.find('\n'));
  ASSERT_TRUE(FileUtil::write_file_durably(segment_path(1), text, 0600).is_ok());
  report = AuditLog::verify_dir(dir_.string());
  ASSERT_TRUE(report.is_ok());
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->problems[0].record, 2u);
  EXPECT_EQ(report->problems[0].kind, "missing");
  EXPECT_FALSE(AuditLog::verify_dir((dir_ / "none").string()).is_ok());
}

// Keeps what it is given; refuses while `down`.
class FakeArchive : public AuditArchive {
 public:
  Task<Status> store(const std::string& name, std::string& bytes) override {
    ++calls;
    if (down) co_return Status::unavailable("the cloud is down");
    stored[name] = std::move(bytes);
    co_return Status::ok();
  }
  bool down = false;
  int calls = 0;
  std::map<std::string, std::string> stored;
};

TEST_F(AuditLogTest, ArchiverStoresEachSealedSegmentOnceInOrder) {
  options_.segment_size = 4096;
  auto log = open();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(log->append(put(i), nullptr).is_ok());
  const uint64_t active = log->active_segment();
  ASSERT_GE(active, 3u);
  FakeArchive archive;
  archive.down = true;
  AuditArchiver archiver(*rt_, *log, archive);
  testing::run([&]() -> Task<bool> {
    co_await archiver.pass();
    co_return true;
  }());
  EXPECT_TRUE(archive.stored.empty());
  EXPECT_EQ(archiver.progress().archived, 0u);
  EXPECT_NE(archiver.progress().last_error.find("down"), std::string::npos);

  archive.down = false;
  testing::run([&]() -> Task<bool> {
    co_await archiver.pass();
    co_return true;
  }());
  ASSERT_EQ(archive.stored.size(), active - 1);  // never the open segment
  for (uint64_t n = 1; n < active; ++n) {
    EXPECT_EQ(archive.stored[AuditLog::segment_name(n)], read(n));
  }
  EXPECT_EQ(archiver.progress().archived, active - 1);

  // A new archiver (a restart) resumes after the last one stored.
  const int calls = archive.calls;
  AuditArchiver again(*rt_, *log, archive);
  testing::run([&]() -> Task<bool> {
    co_await again.pass();
    co_return true;
  }());
  EXPECT_EQ(archive.calls, calls);
}

}  // namespace
}  // namespace skyarray::services::audit
