// PS3.4 C.2.2.2 matching and the index record encoding.
#include "services/dicom/dicom_query.h"

#include <gtest/gtest.h>

#include "services/dicom/dicom_record.h"

namespace skyarray::services::dicom {
namespace {

TEST(DicomQueryTest, TextWildcardsAndUniversalMatching) {
  EXPECT_TRUE(value_matches(MatchKind::kText, "", "anything"));
  EXPECT_TRUE(value_matches(MatchKind::kText, "*", ""));
  EXPECT_TRUE(value_matches(MatchKind::kText, "HEAD", "HEAD "));
  EXPECT_FALSE(value_matches(MatchKind::kText, "HEAD", "head"));
  EXPECT_TRUE(value_matches(MatchKind::kText, "HE*", "HEAD"));
  EXPECT_TRUE(value_matches(MatchKind::kText, "H?AD", "HEAD"));
  EXPECT_FALSE(value_matches(MatchKind::kText, "H?D", "HEAD"));
  EXPECT_TRUE(value_matches(MatchKind::kText, "*A*D*", "HEAD"));
  EXPECT_FALSE(value_matches(MatchKind::kText, "A1", ""));
  // '?' is one character, also when it takes several UTF-8 bytes.
  EXPECT_TRUE(value_matches(MatchKind::kText, "M?LLER", "M\xC3\xBCLLER"));
  // A multi-valued attribute matches when one value does; a list of values
  // in the key matches any.
  EXPECT_TRUE(value_matches(MatchKind::kText, "MR", "CT\\MR"));
  EXPECT_TRUE(value_matches(MatchKind::kText, "US\\MR", "CT\\MR"));
  EXPECT_FALSE(value_matches(MatchKind::kText, "US\\PT", "CT\\MR"));
}

TEST(DicomQueryTest, NamesIgnoreCase) {
  EXPECT_TRUE(value_matches(MatchKind::kPersonName, "doe^john", "DOE^JOHN"));
  EXPECT_TRUE(value_matches(MatchKind::kPersonName, "DOE*", "DOE^JOHN"));
  EXPECT_FALSE(value_matches(MatchKind::kPersonName, "SMITH*", "DOE^JOHN"));
}

TEST(DicomQueryTest, UidListsAndNoWildcards) {
  EXPECT_TRUE(value_matches(MatchKind::kUid, "1.2.3\\1.2.4", "1.2.4"));
  EXPECT_FALSE(value_matches(MatchKind::kUid, "1.2.3\\1.2.4", "1.2.5"));
  EXPECT_FALSE(value_matches(MatchKind::kUid, "1.2.?", "1.2.3"));
}

TEST(DicomQueryTest, DateAndTimeRanges) {
  EXPECT_TRUE(value_matches(MatchKind::kDate, "20240315", "20240315"));
  EXPECT_TRUE(value_matches(MatchKind::kDate, "20240101-20241231", "20240315"));
  EXPECT_FALSE(value_matches(MatchKind::kDate, "20240101-20240314", "20240315"));
  EXPECT_TRUE(value_matches(MatchKind::kDate, "20240315-", "20240315"));
  EXPECT_FALSE(value_matches(MatchKind::kDate, "20240316-", "20240315"));
  EXPECT_TRUE(value_matches(MatchKind::kDate, "-20240315", "20240315"));
  EXPECT_FALSE(value_matches(MatchKind::kDate, "-20240315", ""));
  EXPECT_TRUE(value_matches(MatchKind::kTime, "1000-1015", "101530.25"));
  EXPECT_FALSE(value_matches(MatchKind::kTime, "1000-1014", "101530"));
}

TEST(DicomQueryTest, RecordMatchingUsesOnlyKeysTheLevelHolds) {
  DicomRecord study;
  study.set(tags::kStudyInstanceUid, "1.2.3");
  study.set(tags::kPatientName, "DOE^JOHN");
  study.set(tags::kStudyDate, "20240315");
  DicomQuery q;
  q.level = DicomLevel::kStudy;
  q.keys = {{tags::kPatientName, "DOE*"}, {tags::kStudyDate, "2024-"}};
  EXPECT_TRUE(record_matches(q, study));
  q.keys[tags::kStudyDate] = "2025-";
  EXPECT_FALSE(record_matches(q, study));
  q.keys.erase(tags::kStudyDate);
  // Not held at the study level: a return key only.
  q.keys[tags::kSopInstanceUid] = "9.9";
  EXPECT_TRUE(record_matches(q, study));
  EXPECT_EQ(q.exact(tags::kPatientName), "");
  q.keys[tags::kStudyInstanceUid] = "1.2.3";
  EXPECT_EQ(q.exact(tags::kStudyInstanceUid), "1.2.3");
}

TEST(DicomRecordTest, RoundTripAndRefusesDamage) {
  DicomRecord r;
  r.set(tags::kPatientName, "M\xC3\xBCLLER^HANS");
  r.set(tags::kStudyInstanceUid, "1.2.3");
  r.set(tags::kPatientSex, "");
  std::string enc = r.encode();
  auto back = DicomRecord::decode(enc);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->values, r.values);
  EXPECT_FALSE(DicomRecord::decode("").is_ok());
  EXPECT_FALSE(DicomRecord::decode(std::string(1, '\x02')).is_ok());
  EXPECT_FALSE(DicomRecord::decode(enc.substr(0, enc.size() - 1)).is_ok());
}

}  // namespace
}  // namespace skyarray::services::dicom
