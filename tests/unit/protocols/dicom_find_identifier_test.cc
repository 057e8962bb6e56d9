// C-FIND identifiers to queries and back.
#include "protocols/dicom/dicom_find_identifier.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include "protocols/dicom/dicom_status.h"

namespace skyarray::dicom {
namespace {

namespace sd = services::dicom;

TEST(DicomFindIdentifierTest, ModelsFromSopClasses) {
  EXPECT_EQ(find_model(UID_FINDPatientRootQueryRetrieveInformationModel), QueryModel::kPatientRoot);
  EXPECT_EQ(find_model(UID_FINDStudyRootQueryRetrieveInformationModel), QueryModel::kStudyRoot);
  EXPECT_EQ(find_model(UID_MOVEStudyRootQueryRetrieveInformationModel), std::nullopt);
  EXPECT_EQ(move_model(UID_MOVEPatientRootQueryRetrieveInformationModel), QueryModel::kPatientRoot);
  EXPECT_EQ(move_model(UID_MOVEStudyRootQueryRetrieveInformationModel), QueryModel::kStudyRoot);
  EXPECT_EQ(move_model(UID_GETStudyRootQueryRetrieveInformationModel), std::nullopt);
}

TEST(DicomFindIdentifierTest, KeysLevelAndCharacterSet) {
  DcmDataset id;
  id.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
  id.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  id.putAndInsertString(DCM_PatientName, "M\xFC*");  // Latin-1 ü
  id.putAndInsertString(DCM_StudyDate, "20240101-");
  id.insertEmptyElement(DCM_StudyInstanceUID);
  id.insertEmptyElement(DCM_ReferencedStudySequence);
  auto q = query_from_identifier(id, QueryModel::kStudyRoot);
  ASSERT_TRUE(q.is_ok()) << q.status().to_string();
  EXPECT_EQ(q->level, sd::DicomLevel::kStudy);
  EXPECT_EQ(q->keys.at(sd::tags::kPatientName), "M\xC3\xBC*");  // UTF-8
  EXPECT_EQ(q->keys.at(sd::tags::kStudyDate), "20240101-");
  EXPECT_EQ(q->keys.at(sd::tags::kStudyInstanceUid), "");
  EXPECT_EQ(q->keys.at(sd::tag(0x0008, 0x1110)), "");  // a sequence: return key
  EXPECT_EQ(q->keys.count(sd::tags::kQueryRetrieveLevel), 0u);
  EXPECT_EQ(q->keys.count(sd::tags::kSpecificCharacterSet), 0u);

  sd::DicomRecord match;
  match.set(sd::tags::kPatientName, "M\xC3\xBCLLER^HANS");
  match.set(sd::tags::kStudyInstanceUid, "1.2.3");
  match.set(sd::tags::kStudyDate, "20240315");
  match.set(sd::tags::kAccessionNumber, "not asked for");
  DcmDataset rsp;
  fill_response(id, match, &rsp);
  OFString v;
  EXPECT_TRUE(rsp.findAndGetOFString(DCM_SpecificCharacterSet, v).good());
  EXPECT_EQ(std::string(v.c_str()), "ISO_IR 192");
  EXPECT_TRUE(rsp.findAndGetOFString(DCM_StudyInstanceUID, v).good());
  EXPECT_EQ(std::string(v.c_str()), "1.2.3");
  EXPECT_TRUE(rsp.findAndGetOFString(DCM_QueryRetrieveLevel, v).good());
  EXPECT_EQ(std::string(v.c_str()), "STUDY");
  EXPECT_FALSE(rsp.tagExists(DCM_AccessionNumber));
  EXPECT_TRUE(rsp.tagExists(DCM_ReferencedStudySequence));
}

TEST(DicomFindIdentifierTest, LevelsOutsideTheModelAreRefused) {
  DcmDataset id;
  EXPECT_EQ(query_from_identifier(id, QueryModel::kStudyRoot).status().code(),
            StatusCode::kInvalidArgument);
  id.putAndInsertString(DCM_QueryRetrieveLevel, "PATIENT");
  EXPECT_EQ(query_from_identifier(id, QueryModel::kStudyRoot).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(query_from_identifier(id, QueryModel::kPatientRoot).is_ok());
  id.putAndInsertString(DCM_QueryRetrieveLevel, "FRAME");
  EXPECT_FALSE(query_from_identifier(id, QueryModel::kPatientRoot).is_ok());
  // Keys are short: a long value is refused, not read.
  id.putAndInsertString(DCM_QueryRetrieveLevel, "PATIENT");
  id.putAndInsertString(DCM_PatientComments, std::string(70000, 'x').c_str());
  EXPECT_EQ(query_from_identifier(id, QueryModel::kPatientRoot).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(find_status(Status::invalid_argument("x")), dimse_status::kDataSetDoesNotMatch);
  EXPECT_EQ(store_status(Status::no_space("x")), dimse_status::kOutOfResources);
  EXPECT_EQ(store_status(Status::invalid_argument("x")), dimse_status::kCannotUnderstand);
}

}  // namespace
}  // namespace skyarray::dicom
