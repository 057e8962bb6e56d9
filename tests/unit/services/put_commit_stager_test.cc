// The put's own commit stager: its records commit in the object's batch,
// with the object or not at all.
#include "services/objects/put_commit_stager.h"

#include "meta/meta_store.h"
#include "service_test_util.h"

namespace skyarray::services::testing {
namespace {

// Stages one record per put in the DICOM family, keyed by the object key,
// holding the new version id and what it replaced; or fails when told to.
class RecordingStager : public PutCommitStager {
 public:
  Status stage_with_put(MetaBatch* batch, const ObjectInfo& written,
                        const std::optional<ObjectInfo>& replaced) override {
    ++calls;
    if (!fail_with.is_ok()) return fail_with;
    batch->put(MetaCf::kDicom, written.key,
               written.version_id + "/" + std::to_string(written.size) + "/" +
                   (replaced ? replaced->etag : std::string("none")));
    return Status::ok();
  }
  int calls = 0;
  Status fail_with;
};

class PutCommitStagerTest : public ServiceFixture {
 protected:
  Result<ObjectInfo> put_with(const std::string& key, const std::string& data,
                              std::shared_ptr<PutCommitStager> with, PutOptions o = {}) {
    return run([&]() -> Task<Result<ObjectInfo>> {
      SKY_CO_ASSIGN_OR_RETURN(auto w,
                              co_await service_->writes().put_object(alice_, "bkt", key, o, with));
      SKY_CO_RETURN_IF_ERROR(co_await w->write(Buffer::copy_of(data)));
      co_return co_await w->commit();
    }());
  }
  std::optional<std::string> record(const std::string& key) {
    auto r = meta_->get(MetaCf::kDicom, key);
    EXPECT_TRUE(r.is_ok());
    return r.is_ok() ? *r : std::nullopt;
  }
};

TEST_F(PutCommitStagerTest, RecordsCommitWithTheObjectAndSeeWhatTheyReplace) {
  ASSERT_TRUE(run(service_->buckets().create_bucket(alice_, "bkt", {})).is_ok());
  auto stager = std::make_shared<RecordingStager>();
  auto first = put_with("k", "one", stager);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(record("k"), "null/3/none");
  auto second = put_with("k", "second", stager);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(record("k"), "null/6/" + first->etag);
  EXPECT_GE(stager->calls, 2);  // an attempt on the network thread may be made again
  // Reopened (as after a crash of the process), both are there.
  ASSERT_TRUE(open().is_ok());
  EXPECT_EQ(record("k"), "null/6/" + first->etag);
  EXPECT_EQ(*get(alice_, "bkt", "k"), "second");
}

TEST_F(PutCommitStagerTest, AFailingStagerFailsThePutAndNothingIsVisible) {
  ASSERT_TRUE(run(service_->buckets().create_bucket(alice_, "bkt", {})).is_ok());
  auto stager = std::make_shared<RecordingStager>();
  stager->fail_with = Status::invalid_argument("refused by the index");
  auto r = put_with("k", std::string(100000, 'x'), stager);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(get(alice_, "bkt", "k").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(record("k"), std::nullopt);
}

TEST_F(PutCommitStagerTest, NotCalledWhenTheConditionsRefuseThePut) {
  ASSERT_TRUE(run(service_->buckets().create_bucket(alice_, "bkt", {})).is_ok());
  ASSERT_TRUE(put(alice_, "bkt", "k", "first").is_ok());
  auto stager = std::make_shared<RecordingStager>();
  PutOptions only_new;
  only_new.if_none_match = {"*"};
  EXPECT_EQ(put_with("k", "again", stager, only_new).status().code(),
            StatusCode::kPreconditionFailed);
  EXPECT_EQ(stager->calls, 0);
  EXPECT_EQ(record("k"), std::nullopt);
  EXPECT_EQ(*get(alice_, "bkt", "k"), "first");
}

TEST_F(PutCommitStagerTest, VersionedBucketsNameTheNewVersion) {
  ASSERT_TRUE(run(service_->buckets().create_bucket(alice_, "bkt", {})).is_ok());
  ASSERT_TRUE(
      run(service_->buckets().set_bucket_versioning(alice_, "bkt", VersioningState::kEnabled))
          .is_ok());
  auto stager = std::make_shared<RecordingStager>();
  auto a = put_with("k", "aa", stager);
  auto b = put_with("k", "bbb", stager);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_NE(a->version_id, b->version_id);
  EXPECT_EQ(record("k"), b->version_id + "/3/" + a->etag);
}

}  // namespace
}  // namespace skyarray::services::testing
