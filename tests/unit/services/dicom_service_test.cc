// The DICOM service over a real object service: instances become objects
// holding the dataset as received, their index entries commit with them,
// duplicates follow the configured policy, and queries find them.
#include "services/dicom/dicom_service.h"

#include "dicom_test_util.h"
#include "service_test_util.h"
#include "services/dicom/dicom_instance.h"

namespace skyarray::services::dicom {
namespace {

using services::testing::run;
using testing::encode_dataset;
using testing::kExplicitLE;
using testing::kImplicitLE;
using testing::TestInstance;

class DicomServiceTest : public services::testing::ServiceFixture {
 protected:
  void start(DicomServiceOptions o = {}) {
    o.bucket_owner = "alice";
    dicom_ = std::make_unique<DicomService>(*rt_, *meta_, *service_, o);
    ASSERT_TRUE(run(dicom_->start()).is_ok());
  }
  void TearDown() override {
    dicom_.reset();
    ServiceFixture::TearDown();
  }
  Result<DicomStoreResult> store(const TestInstance& t, const char* ts = kExplicitLE,
                                 std::string* dataset_out = nullptr) {
    DicomStoreRequest r;
    r.calling_ae = "MODALITY";
    r.sop_class_uid = t.sop_class;
    r.sop_instance_uid = t.sop;
    r.transfer_syntax = ts;
    r.dataset = encode_dataset(t, ts);
    if (dataset_out) *dataset_out = r.dataset;
    return run(dicom_->store(r));
  }
  std::vector<DicomRecord> find(DicomLevel level, std::map<DicomTag, std::string> keys) {
    DicomQuery q;
    q.level = level;
    q.keys = std::move(keys);
    auto r = run(dicom_->find(q));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? *r : std::vector<DicomRecord>{};
  }
  uint64_t count(DicomLevel level) { return *run(dicom_->count(level)); }

  std::unique_ptr<DicomService> dicom_;
};

TEST_F(DicomServiceTest, StoresTheDatasetAsReceivedUnderItsUids) {
  start();
  TestInstance t;
  for (const char* ts : {kExplicitLE, kImplicitLE}) {
    t.sop = std::string("1.2.3.1.1.") + (ts == kExplicitLE ? "1" : "2");
    std::string dataset;
    auto r = store(t, ts, &dataset);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->outcome, DicomStoreOutcome::kStored);
    EXPECT_EQ(r->key, "studies/1.2.3.1/series/1.2.3.1.1/instances/" + t.sop + ".dcm");
    auto file = get(alice_, "dicom", r->key);
    ASSERT_TRUE(file.is_ok());
    // Preamble, DICM, a meta group naming the transfer syntax, then the
    // dataset byte for byte.
    ASSERT_GT(file->size(), dataset.size() + 132);
    EXPECT_EQ(file->substr(128, 4), "DICM");
    EXPECT_EQ(file->substr(file->size() - dataset.size()), dataset);
    std::string meta = file->substr(132, file->size() - dataset.size() - 132);
    EXPECT_NE(meta.find(ts), std::string::npos);
    EXPECT_NE(meta.find("MODALITY"), std::string::npos);
    auto read = run(dicom_->read_instance(t.study, t.series, t.sop));
    ASSERT_TRUE(read.is_ok());
    EXPECT_EQ(*read, *file);
  }
  EXPECT_EQ(count(DicomLevel::kInstance), 2u);
  EXPECT_EQ(count(DicomLevel::kSeries), 1u);
  EXPECT_EQ(count(DicomLevel::kStudy), 1u);
  EXPECT_EQ(count(DicomLevel::kPatient), 1u);
  EXPECT_EQ(run(dicom_->read_instance(t.study, t.series, "1.2.9")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(run(dicom_->read_instance(t.study, t.series, "../x")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(DicomServiceTest, RefusedInstancesLeaveNothing) {
  start();
  DicomStoreRequest garbage;
  garbage.transfer_syntax = kExplicitLE;
  garbage.dataset = "not a dataset at all";
  EXPECT_EQ(run(dicom_->store(garbage)).status().code(), StatusCode::kInvalidArgument);
  TestInstance t;
  t.study = "1.2.x";  // not a UID: it would escape the key layout
  EXPECT_EQ(store(t).status().code(), StatusCode::kInvalidArgument);
  TestInstance announced;
  DicomStoreRequest mismatch;
  mismatch.sop_instance_uid = "9.9.9";
  mismatch.transfer_syntax = kExplicitLE;
  mismatch.dataset = encode_dataset(announced, kExplicitLE);
  EXPECT_EQ(run(dicom_->store(mismatch)).status().code(), StatusCode::kInvalidArgument);
  DicomStoreRequest unknown_ts = mismatch;
  unknown_ts.sop_instance_uid.clear();
  unknown_ts.transfer_syntax = "1.2.3.4.5.6";
  EXPECT_EQ(run(dicom_->store(unknown_ts)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(count(DicomLevel::kInstance), 0u);
  EXPECT_TRUE(run(service_->reads().list_objects(alice_, "dicom", {}))->objects.empty());
}

TEST_F(DicomServiceTest, DuplicatesKeepTheFirstByDefault) {
  start();
  TestInstance t;
  ASSERT_TRUE(store(t).is_ok());
  TestInstance again = t;
  again.study_description = "CHANGED";
  auto r = store(again);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->outcome, DicomStoreOutcome::kKeptFirst);
  auto studies = find(DicomLevel::kStudy, {{tags::kStudyDescription, ""}});
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].get(tags::kStudyDescription), "HEAD");
}

TEST_F(DicomServiceTest, DuplicatesOverwriteWhenConfigured) {
  DicomServiceOptions o;
  o.duplicates = DuplicatePolicy::kOverwrite;
  start(o);
  TestInstance t;
  ASSERT_TRUE(store(t).is_ok());
  t.study_description = "CHANGED";
  std::string dataset;
  auto r = store(t, kExplicitLE, &dataset);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->outcome, DicomStoreOutcome::kReplaced);
  EXPECT_EQ(find(DicomLevel::kStudy, {{tags::kStudyDescription, "CHANGED"}}).size(), 1u);
  auto file = get(alice_, "dicom", r->key);
  EXPECT_EQ(file->substr(file->size() - dataset.size()), dataset);
  EXPECT_EQ(count(DicomLevel::kInstance), 1u);
}

TEST_F(DicomServiceTest, DuplicatesBecomeVersionsWhenConfigured) {
  DicomServiceOptions o;
  o.duplicates = DuplicatePolicy::kKeepVersions;
  start(o);
  TestInstance t;
  auto first = store(t);
  auto second = store(t);
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(second->outcome, DicomStoreOutcome::kAddedVersion);
  EXPECT_NE(first->version_id, second->version_id);
  GetOptions old;
  old.version_id = first->version_id;
  EXPECT_TRUE(get(alice_, "dicom", first->key, old).is_ok());
  EXPECT_EQ(count(DicomLevel::kInstance), 1u);
}

TEST_F(DicomServiceTest, FindsByLevelWithWildcardsRangesAndComputedKeys) {
  start();
  TestInstance a;  // CT study of DOE^JOHN, two series
  ASSERT_TRUE(store(a).is_ok());
  a.sop = "1.2.3.1.2.1";
  a.series = "1.2.3.1.2";
  a.modality = "MR";
  ASSERT_TRUE(store(a).is_ok());
  TestInstance b;  // another patient, another study, in ISO_IR 100
  b.patient_id = "P2";
  b.charset = "ISO_IR 100";
  b.patient_name = "M\xFCLLER^HANS";  // Latin-1 ü
  b.study = "1.2.3.2";
  b.series = "1.2.3.2.1";
  b.sop = "1.2.3.2.1.1";
  b.study_date = "20230101";
  ASSERT_TRUE(store(b, kImplicitLE).is_ok());

  EXPECT_EQ(find(DicomLevel::kPatient, {}).size(), 2u);
  auto doe = find(DicomLevel::kStudy, {{tags::kPatientName, "doe*"}});
  ASSERT_EQ(doe.size(), 1u);
  EXPECT_EQ(doe[0].get(tags::kStudyInstanceUid), "1.2.3.1");
  // Names are indexed in UTF-8.
  auto muller = find(DicomLevel::kStudy, {{tags::kPatientName, "M?LLER*"}});
  ASSERT_EQ(muller.size(), 1u);
  EXPECT_EQ(muller[0].get(tags::kPatientName), "M\xC3\xBCLLER^HANS");
  EXPECT_EQ(find(DicomLevel::kStudy, {{tags::kStudyDate, "20240101-"}}).size(), 1u);
  EXPECT_EQ(find(DicomLevel::kStudy, {{tags::kStudyInstanceUid, "1.2.3.1\\1.2.3.2"}}).size(), 2u);
  auto computed = find(DicomLevel::kStudy, {{tags::kStudyInstanceUid, "1.2.3.1"},
                                            {tags::kModalitiesInStudy, ""},
                                            {tags::kNumberOfStudyRelatedInstances, ""}});
  ASSERT_EQ(computed.size(), 1u);
  EXPECT_EQ(computed[0].get(tags::kModalitiesInStudy), "CT\\MR");
  EXPECT_EQ(computed[0].get(tags::kNumberOfStudyRelatedInstances), "2");
  EXPECT_EQ(find(DicomLevel::kStudy, {{tags::kModalitiesInStudy, "MR"}}).size(), 1u);
  EXPECT_EQ(find(DicomLevel::kSeries, {{tags::kStudyInstanceUid, "1.2.3.1"}}).size(), 2u);
  EXPECT_EQ(find(DicomLevel::kSeries, {{tags::kModality, "MR"}}).size(), 1u);
  auto images = find(DicomLevel::kInstance, {{tags::kStudyInstanceUid, "1.2.3.1"},
                                             {tags::kSeriesInstanceUid, "1.2.3.1.2"}});
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].get(tags::kSopInstanceUid), "1.2.3.1.2.1");
  EXPECT_EQ(images[0].get(tags::kTransferSyntaxUid), kExplicitLE);
  DicomQuery limited;
  limited.level = DicomLevel::kInstance;
  limited.limit = 2;
  limited.offset = 1;
  EXPECT_EQ(run(dicom_->find(limited))->size(), 2u);
}

TEST_F(DicomServiceTest, IndexAndObjectsAgreeAfterReopen) {
  start();
  for (int i = 1; i <= 5; ++i) {
    TestInstance t;
    t.sop = "1.2.3.1.1." + std::to_string(i);
    t.instance_number = i;
    ASSERT_TRUE(store(t).is_ok());
  }
  dicom_.reset();
  ASSERT_TRUE(open().is_ok());
  start();
  auto images = find(DicomLevel::kInstance, {});
  auto listed = run(service_->reads().list_objects(alice_, "dicom", {}));
  ASSERT_TRUE(listed.is_ok());
  ASSERT_EQ(images.size(), listed->objects.size());
  for (size_t i = 0; i < images.size(); ++i) {
    EXPECT_EQ(listed->objects[i].key, "studies/1.2.3.1/series/1.2.3.1.1/instances/" +
                                          images[i].get(tags::kSopInstanceUid) + ".dcm");
  }
}

}  // namespace
}  // namespace skyarray::services::dicom
