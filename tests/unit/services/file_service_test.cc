// FileService: shares, names, attributes in object metadata, stable ids,
// staged writes and their publication, listing with id cookies.
#include "services/files/file_service.h"

#include <gtest/gtest.h>

#include "service_test_util.h"

namespace skyarray::services {
namespace {

using testing::run;

class FileServiceTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    open_files();
    ASSERT_TRUE(
        run(service_->buckets().create_bucket(owner_, "files", CreateBucketOptions{})).is_ok());
    Share s;
    s.name = "media";
    s.bucket = "files";
    s.protocols = {"nfs"};
    s.clients = {"127.0.0.0/8"};
    auto made = run(files_->create_share(s));
    ASSERT_TRUE(made.is_ok()) << made.status().to_string();
    share_ = *made;
  }
  void TearDown() override {
    files_.reset();
    shares_.reset();
    ids_.reset();
    ServiceFixture::TearDown();
  }
  void open_files() {
    files_.reset();
    shares_ = ShareRegistry::open(*meta_).value();
    ids_ = FileIds::open(*meta_).value();
    files_ = std::make_unique<FileService>(*rt_, *service_, *shares_, *ids_);
  }
  void reopen() {
    files_.reset();
    ASSERT_TRUE(open().is_ok());
    open_files();
  }
  FileNode root() { return *run(files_->root(share_)); }
  FileNode make_file(const FileNode& dir, const std::string& name) {
    FileAttrChange init;
    init.mode = 0640;
    init.uid = 1000;
    init.gid = 100;
    std::string verifier;
    auto n = run(files_->create(share_, dir, name, init, CreateMode::kGuarded, verifier));
    EXPECT_TRUE(n.is_ok()) << n.status().to_string();
    return *n;
  }
  std::string read_all(const FileNode& f) {
    auto r = run(files_->read(share_, f, 0, 1 << 24));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r->data;
  }

  Caller owner_{"owner"};
  Share share_;
  std::unique_ptr<ShareRegistry> shares_;
  std::unique_ptr<FileIds> ids_;
  std::unique_ptr<FileService> files_;
};

TEST_F(FileServiceTest, SharesPersistAndValidate) {
  Share bad;
  bad.name = "x/y";
  bad.bucket = "files";
  bad.protocols = {"nfs"};
  bad.clients = {"10.0.0.0/8"};
  EXPECT_EQ(run(files_->create_share(bad)).status().code(), StatusCode::kInvalidArgument);
  bad.name = "nobucket";
  bad.bucket = "missing";
  EXPECT_EQ(run(files_->create_share(bad)).status().code(), StatusCode::kBucketNotFound);
  Share dup = share_;
  EXPECT_EQ(run(files_->create_share(dup)).status().code(), StatusCode::kAlreadyExists);
  std::function<Status(Share&)> ro = [](Share& s) {
    s.read_only = true;
    return Status::ok();
  };
  ASSERT_TRUE(run(files_->update_share("media", ro)).is_ok());
  reopen();
  auto again = shares_->get("media");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->read_only);
  EXPECT_EQ(again->id, share_.id);
  EXPECT_TRUE(again->allows_client("127.0.0.1"));
  EXPECT_FALSE(again->allows_client("10.1.1.1"));
  ASSERT_TRUE(run(files_->remove_share("media")).is_ok());
  EXPECT_FALSE(shares_->get("media"));
}

TEST_F(FileServiceTest, FileIsObjectWithFileGatewayAttributes) {
  FileNode f = make_file(root(), "scan.dcm");
  auto info = run(service_->reads().head_object(owner_, "files", "scan.dcm", GetOptions{}));
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->user_metadata["file-permissions"], "0100640");
  EXPECT_EQ(info->user_metadata["file-owner"], "1000");
  EXPECT_EQ(info->user_metadata["file-group"], "100");
  EXPECT_TRUE(info->user_metadata["file-mtime"].ends_with("ns"));
  EXPECT_EQ(f.attrs.mode, 0640u);
  // An object put over S3 is a file with the share's defaults.
  ASSERT_TRUE(put(owner_, "files", "dir/from-s3.txt", "hello").is_ok());
  auto dir = run(files_->lookup(share_, root(), "dir"));
  ASSERT_TRUE(dir.is_ok());
  EXPECT_TRUE(dir->is_dir());
  auto s3 = run(files_->lookup(share_, *dir, "from-s3.txt"));
  ASSERT_TRUE(s3.is_ok());
  EXPECT_EQ(s3->attrs.mode, 0644u);
  EXPECT_EQ(s3->attrs.size, 5u);
  EXPECT_EQ(read_all(*s3), "hello");
}

TEST_F(FileServiceTest, UnstableWritesPublishOnCommit) {
  FileNode f = make_file(root(), "a.bin");
  std::string data = testing::random_bytes(300000, 1);
  auto w = run(files_->write(share_, f, 0, data.substr(0, 100000), WriteStability::kUnstable));
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ(*w, WriteStability::kUnstable);
  ASSERT_TRUE(run(files_->write(share_, f, 100000, data.substr(100000), WriteStability::kUnstable))
                  .is_ok());
  // Not yet an object version: S3 still sees the empty file.
  EXPECT_EQ(get(owner_, "files", "a.bin")->size(), 0u);
  auto node = run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation));
  ASSERT_TRUE(node.is_ok());
  EXPECT_EQ(node->attrs.size, data.size());
  ASSERT_TRUE(run(files_->commit(share_, *node)).is_ok());
  EXPECT_EQ(*get(owner_, "files", "a.bin"), data);
  // Overwrite in the middle and a sparse extension, FILE_SYNC.
  auto synced = run(files_->write(share_, *node, 10, "XYZ", WriteStability::kFileSync));
  ASSERT_TRUE(synced.is_ok());
  EXPECT_EQ(*synced, WriteStability::kFileSync);
  data.replace(10, 3, "XYZ");
  EXPECT_EQ(*get(owner_, "files", "a.bin"), data);
  FileAttrChange grow;
  grow.size = data.size() + 10;
  ASSERT_TRUE(run(files_->setattr(share_, *node, grow)).is_ok());
  data.append(10, '\0');
  EXPECT_EQ(*get(owner_, "files", "a.bin"), data);
  auto info = run(service_->reads().head_object(owner_, "files", "a.bin", GetOptions{}));
  EXPECT_EQ(info->user_metadata["file-permissions"], "0100640");
}

TEST_F(FileServiceTest, AppendsToLargeFilesWriteOnlyTheNewBytes) {
  FileNode f = make_file(root(), "big.bin");
  std::string data = testing::random_bytes(FileWriteback::kAppendMin + 1000, 2);
  ASSERT_TRUE(run(files_->write(share_, f, 0, data, WriteStability::kFileSync)).is_ok());
  auto before = run(service_->reads().head_object(owner_, "files", "big.bin", GetOptions{}));
  ASSERT_TRUE(before.is_ok());
  EXPECT_TRUE(before->parts.empty());
  FileNode grown = *run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation));
  std::string more = testing::random_bytes(300000, 3);
  ASSERT_TRUE(
      run(files_->write(share_, grown, data.size(), more, WriteStability::kUnstable)).is_ok());
  ASSERT_TRUE(run(files_->commit(share_, grown)).is_ok());
  EXPECT_EQ(*get(owner_, "files", "big.bin"), data + more);
  auto after = run(service_->reads().head_object(owner_, "files", "big.bin", GetOptions{}));
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(after->parts.size(), 2u) << "published as an append (two segments), not a rewrite";
  EXPECT_EQ(after->user_metadata["file-permissions"], "0100640");
  EXPECT_NE(after->user_metadata["file-mtime"], before->user_metadata["file-mtime"]);
  // A write inside the file is a new version patched over the old one.
  grown = *run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation));
  ASSERT_TRUE(run(files_->write(share_, grown, 5, "abc", WriteStability::kFileSync)).is_ok());
  std::string want = data + more;
  want.replace(5, 3, "abc");
  EXPECT_EQ(*get(owner_, "files", "big.bin"), want);
}

TEST_F(FileServiceTest, RandomWritesIntoALargeFileWriteOnlyTheTouchedChunks) {
  const uint64_t kChunk = options_.chunk_size;
  FileNode f = make_file(root(), "volume.img");
  std::string want = testing::random_bytes(24 * kChunk, 4);
  ASSERT_TRUE(run(files_->write(share_, f, 0, want, WriteStability::kFileSync)).is_ok());
  const uint64_t before = store_->stats().bytes_written;
  // 4 KiB writes touching chunks 1, 5, 9, 13 and 14 (one across the
  // boundary), two of them in the same chunk.
  const std::vector<uint64_t> offsets = {kChunk + 100, 5 * kChunk + 7000, 9 * kChunk,
                                         14 * kChunk - 2048, kChunk + 50000};
  uint64_t seed = 10;
  for (uint64_t off : offsets) {
    std::string block = testing::random_bytes(4096, seed++);
    FileNode cur = *run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation));
    ASSERT_TRUE(run(files_->write(share_, cur, off, block, WriteStability::kUnstable)).is_ok());
    want.replace(off, block.size(), block);
  }
  ASSERT_TRUE(run(files_->commit(share_, f)).is_ok());
  EXPECT_EQ(store_->stats().bytes_written - before, 5 * kChunk)
      << "five touched chunks written, the other nineteen shared";
  EXPECT_EQ(*get(owner_, "files", "volume.img"), want);
  auto info = run(service_->reads().head_object(owner_, "files", "volume.img", GetOptions{}));
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->size, want.size());
  EXPECT_TRUE(info->etag.ends_with("-1")) << info->etag;
  EXPECT_EQ(info->user_metadata["file-permissions"], "0100640");
  // The old version's chunks that the new one does not share are collected;
  // the shared ones stay readable.
  ASSERT_TRUE(store_->collect_garbage().is_ok());
  EXPECT_EQ(*get(owner_, "files", "volume.img"), want);

  // An S3 write replaces the version while a write is staged: the flush
  // lays the write over the new bytes.
  FileNode cur = *run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation));
  ASSERT_TRUE(
      run(files_->write(share_, cur, 3 * kChunk, "patched", WriteStability::kUnstable)).is_ok());
  std::string replaced = testing::random_bytes(want.size(), 99);
  ASSERT_TRUE(put(owner_, "files", "volume.img", replaced).is_ok());
  ASSERT_TRUE(run(files_->commit(share_, cur)).is_ok());
  replaced.replace(3 * kChunk, 7, "patched");
  EXPECT_EQ(*get(owner_, "files", "volume.img"), replaced);
}

TEST_F(FileServiceTest, HandlesSurviveRestartAndRenameAndGoStaleAfterDelete) {
  FileNode f = make_file(root(), "old");
  ASSERT_TRUE(run(files_->write(share_, f, 0, "abc", WriteStability::kFileSync)).is_ok());
  ASSERT_TRUE(run(files_->mkdir(share_, root(), "sub", FileAttrChange{})).is_ok());
  FileNode sub = *run(files_->lookup(share_, root(), "sub"));
  ASSERT_TRUE(run(files_->rename(share_, root(), "old", sub, "new")).is_ok());
  reopen();
  auto moved = run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation));
  ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
  EXPECT_EQ(moved->key, "sub/new");
  EXPECT_EQ(read_all(*moved), "abc");
  EXPECT_EQ(run(files_->lookup(share_, root(), "old")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation + 1)).status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(run(files_->remove(share_, sub, "new")).is_ok());
  EXPECT_EQ(run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation)).status().code(),
            StatusCode::kNotFound);
  // The emptied directory stays (its marker), and a new file gets a new id.
  auto sub_again = run(files_->lookup(share_, root(), "sub"));
  ASSERT_TRUE(sub_again.is_ok());
  FileNode again = make_file(*sub_again, "new");
  EXPECT_NE(again.attrs.file_id, f.attrs.file_id);
}

TEST_F(FileServiceTest, SymlinkIsAnObjectHoldingItsTarget) {
  FileAttrChange none;
  auto link = run(files_->symlink(share_, root(), "latest", "dir/target.dcm", none));
  ASSERT_TRUE(link.is_ok()) << link.status().to_string();
  EXPECT_EQ(link->attrs.type, FileType::kSymlink);
  EXPECT_EQ(*get(owner_, "files", "latest"), "dir/target.dcm");
  auto info = run(service_->reads().head_object(owner_, "files", "latest", GetOptions{}));
  EXPECT_EQ(info->user_metadata["file-permissions"], "0120777");
  auto again = run(files_->lookup(share_, root(), "latest"));
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->attrs.type, FileType::kSymlink);
  EXPECT_EQ(*run(files_->readlink(share_, *again)), "dir/target.dcm");
  EXPECT_EQ(run(files_->read(share_, *again, 0, 10)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(run(files_->symlink(share_, root(), "latest", "x", none)).status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(FileServiceTest, NamespaceErrors) {
  FileNode r = root();
  make_file(r, "f");
  std::string verifier;
  FileAttrChange none;
  EXPECT_EQ(
      run(files_->create(share_, r, "f", none, CreateMode::kGuarded, verifier)).status().code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(run(files_->mkdir(share_, r, "f", none)).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(run(files_->lookup(share_, r, std::string(256, 'n'))).status().code(),
            StatusCode::kTooLarge);
  EXPECT_EQ(run(files_->lookup(share_, r, "nope")).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(run(files_->mkdir(share_, r, "d", none)).is_ok());
  FileNode d = *run(files_->lookup(share_, r, "d"));
  make_file(d, "inside");
  EXPECT_EQ(run(files_->rmdir(share_, r, "d")).code(), StatusCode::kNotEmpty);
  EXPECT_EQ(run(files_->rmdir(share_, r, "f")).code(), StatusCode::kPreconditionFailed);
  EXPECT_EQ(run(files_->remove(share_, r, "d")).code(), StatusCode::kMethodNotAllowed);
  EXPECT_EQ(run(files_->rename(share_, r, "d", d, "e")).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(run(files_->remove(share_, d, "inside")).is_ok());
  ASSERT_TRUE(run(files_->rmdir(share_, r, "d")).is_ok());
  EXPECT_EQ(run(files_->lookup(share_, r, "d")).status().code(), StatusCode::kNotFound);
}

TEST_F(FileServiceTest, RenamingADirectoryMovesItsTreeInOneCommit) {
  FileNode r = root();
  FileAttrChange none;
  ASSERT_TRUE(run(files_->mkdir(share_, r, "study", none)).is_ok());
  FileNode study = *run(files_->lookup(share_, r, "study"));
  ASSERT_TRUE(run(files_->mkdir(share_, study, "series", none)).is_ok());
  FileNode series = *run(files_->lookup(share_, study, "series"));
  for (int i = 0; i < 50; ++i) {
    FileNode f = make_file(i % 2 ? study : series, "img" + std::to_string(i));
    ASSERT_TRUE(run(files_->write(share_, f, 0, "x" + std::to_string(i), WriteStability::kFileSync))
                    .is_ok());
  }
  FileNode nested = *run(files_->lookup(share_, series, "img0"));
  // A write still staged when the directory moves lands under the new name.
  ASSERT_TRUE(run(files_->write(share_, nested, 2, "staged", WriteStability::kUnstable)).is_ok());
  ASSERT_TRUE(run(files_->mkdir(share_, r, "taken", none)).is_ok());
  EXPECT_EQ(run(files_->rename(share_, r, "study", r, "taken")).code(), StatusCode::kAlreadyExists);

  ASSERT_TRUE(run(files_->rename(share_, r, "study", r, "archive")).is_ok());
  ListObjectsOptions lo;
  lo.prefix = "study/";
  EXPECT_TRUE(run(service_->reads().list_objects(owner_, "files", lo))->objects.empty());
  lo.prefix = "archive/";
  auto moved = run(service_->reads().list_objects(owner_, "files", lo));
  ASSERT_TRUE(moved.is_ok());
  EXPECT_EQ(moved->objects.size(), 52u) << "50 files and two directory markers";
  EXPECT_EQ(*get(owner_, "files", "archive/series/img0"), "x0staged");
  EXPECT_EQ(*get(owner_, "files", "archive/img1"), "x1");
  // Handles made before the move name the moved files and directories.
  auto again = run(files_->resolve(share_, nested.attrs.file_id, nested.attrs.generation));
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->key, "archive/series/img0");
  auto dir = run(files_->resolve(share_, study.attrs.file_id, study.attrs.generation));
  ASSERT_TRUE(dir.is_ok()) << dir.status().to_string();
  EXPECT_EQ(dir->key, "archive/");
  EXPECT_EQ(run(files_->lookup(share_, r, "study")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run(files_->read(share_, *again, 0, 100))->data, "x0staged");
  auto usage = run(files_->usage(share_));
  ASSERT_TRUE(usage.is_ok());
  EXPECT_EQ(usage->objects, 53u) << "counters unchanged by the move";
}

TEST_F(FileServiceTest, ObjectsPutAgainOverS3KeepTheirIdsAndListWithTheirAttributes) {
  FileNode f = make_file(root(), "scan.dcm");
  ASSERT_TRUE(run(files_->write(share_, f, 0, "v1", WriteStability::kFileSync)).is_ok());
  PutOptions o;
  o.user_metadata["file-permissions"] = "0100600";
  o.user_metadata["file-owner"] = "42";
  ASSERT_TRUE(put(owner_, "files", "scan.dcm", "version two over S3", o).is_ok());
  ASSERT_TRUE(put(owner_, "files", "other.dcm", "new over S3", o).is_ok());
  auto again = run(files_->resolve(share_, f.attrs.file_id, f.attrs.generation));
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(run(files_->read(share_, *again, 0, 100))->data, "version two over S3");
  auto page = run(files_->readdir(share_, root(), 0, 100));
  ASSERT_TRUE(page.is_ok()) << page.status().to_string();
  ASSERT_EQ(page->entries.size(), 4u);  // ., .., other.dcm, scan.dcm
  const FileNode& other = page->entries[2].node;
  const FileNode& scan = page->entries[3].node;
  EXPECT_EQ(page->entries[3].name, "scan.dcm");
  EXPECT_EQ(scan.attrs.file_id, f.attrs.file_id) << "an S3 overwrite keeps the file id";
  EXPECT_EQ(scan.attrs.size, 19u);
  EXPECT_EQ(scan.attrs.mode, 0600u);
  EXPECT_EQ(scan.attrs.uid, 42u);
  EXPECT_EQ(other.attrs.mode, 0600u);
  EXPECT_NE(other.attrs.file_id, f.attrs.file_id);
}

TEST_F(FileServiceTest, ReaddirPagesWithIdCookies) {
  FileNode r = root();
  for (int i = 0; i < 7; ++i) make_file(r, "f" + std::to_string(i));
  ASSERT_TRUE(run(files_->mkdir(share_, r, "dir", FileAttrChange{})).is_ok());
  std::vector<std::string> names;
  uint64_t cookie = 0;
  for (int pages = 0; pages < 20; ++pages) {
    auto page = run(files_->readdir(share_, r, cookie, 3));
    ASSERT_TRUE(page.is_ok()) << page.status().to_string();
    for (const auto& e : page->entries) {
      names.push_back(e.name);
      cookie = e.cookie;
    }
    if (page->eof) break;
    if (pages == 1) make_file(r, "a-inserted-before");  // sorted before the cookie
  }
  std::vector<std::string> want = {".", "..", "dir", "f0", "f1", "f2", "f3", "f4", "f5", "f6"};
  EXPECT_EQ(names, want);
}

}  // namespace
}  // namespace skyarray::services
