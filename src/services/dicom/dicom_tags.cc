// DicomTags: level attribute lists and match kinds (dicom_tags.h).
#include "services/dicom/dicom_tags.h"

#include <array>

namespace skyarray::services::dicom {

namespace {
using namespace tags;

constexpr std::array kPatientTags{kPatientId, kPatientName, kIssuerOfPatientId, kPatientBirthDate,
                                  kPatientSex};
constexpr std::array kStudyTags{kStudyInstanceUid,  kStudyDate,        kStudyTime,
                                kAccessionNumber,   kStudyId,          kReferringPhysicianName,
                                kStudyDescription,  kPatientId,        kPatientName,
                                kIssuerOfPatientId, kPatientBirthDate, kPatientSex};
constexpr std::array kSeriesTags{kSeriesInstanceUid,
                                 kModality,
                                 kSeriesNumber,
                                 kSeriesDescription,
                                 kSeriesDate,
                                 kSeriesTime,
                                 kBodyPartExamined,
                                 kPerformedProcedureStepStartDate,
                                 kPerformedProcedureStepStartTime,
                                 kStudyInstanceUid,
                                 kPatientId};
constexpr std::array kInstanceTags{kSopInstanceUid,   kSopClassUid,       kInstanceNumber,
                                   kContentDate,      kContentTime,       kRows,
                                   kColumns,          kBitsAllocated,     kNumberOfFrames,
                                   kStudyInstanceUid, kSeriesInstanceUid, kPatientId,
                                   kTransferSyntaxUid};
}  // namespace

MatchKind match_kind(DicomTag t) {
  switch (t) {
    case kPatientName:
    case kReferringPhysicianName:
      return MatchKind::kPersonName;
    case kSopClassUid:
    case kSopInstanceUid:
    case kStudyInstanceUid:
    case kSeriesInstanceUid:
    case kTransferSyntaxUid:
      return MatchKind::kUid;
    case kStudyDate:
    case kSeriesDate:
    case kContentDate:
    case kPatientBirthDate:
    case kPerformedProcedureStepStartDate:
      return MatchKind::kDate;
    case kStudyTime:
    case kSeriesTime:
    case kContentTime:
    case kPerformedProcedureStepStartTime:
      return MatchKind::kTime;
    case kSeriesNumber:
    case kInstanceNumber:
    case kRows:
    case kColumns:
    case kBitsAllocated:
    case kNumberOfFrames:
    case kNumberOfStudyRelatedSeries:
    case kNumberOfStudyRelatedInstances:
    case kNumberOfSeriesRelatedInstances:
      return MatchKind::kNumber;
    default:
      return MatchKind::kText;
  }
}

std::span<const DicomTag> level_tags(DicomLevel level) {
  switch (level) {
    case DicomLevel::kPatient:
      return kPatientTags;
    case DicomLevel::kStudy:
      return kStudyTags;
    case DicomLevel::kSeries:
      return kSeriesTags;
    case DicomLevel::kInstance:
      return kInstanceTags;
  }
  return {};
}

DicomTag unique_key(DicomLevel level) {
  return level_tags(level)[0];
}

bool is_computed(DicomTag t) {
  return t == kModalitiesInStudy || t == kNumberOfStudyRelatedSeries ||
         t == kNumberOfStudyRelatedInstances || t == kNumberOfSeriesRelatedInstances;
}

}  // namespace skyarray::services::dicom
