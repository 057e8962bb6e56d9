// DicomTags: the attributes the DICOM index keeps, by query/retrieve level,
// and how each is matched. A tag is (group << 16) | element.
//
// Kept per level (PS3.4 C.6.1.1 and C.6.2.1 required and unique keys, plus
// the PS3.18 QIDO-RS required keys):
//   patient   PatientName, PatientID (unique), IssuerOfPatientID,
//             PatientBirthDate, PatientSex
//   study     StudyInstanceUID (unique), StudyDate, StudyTime,
//             AccessionNumber, StudyID, ReferringPhysicianName,
//             StudyDescription; and the patient's attributes (Study Root)
//   series    SeriesInstanceUID (unique), Modality, SeriesNumber,
//             SeriesDescription, SeriesDate, SeriesTime, BodyPartExamined,
//             PerformedProcedureStepStartDate/Time; and StudyInstanceUID
//   instance  SOPInstanceUID (unique), SOPClassUID, InstanceNumber,
//             ContentDate, ContentTime, Rows, Columns, BitsAllocated,
//             NumberOfFrames; and the study's and series' UIDs
// Computed when asked for (never stored): ModalitiesInStudy,
// NumberOfStudyRelatedSeries, NumberOfStudyRelatedInstances,
// NumberOfSeriesRelatedInstances.
// Every stored value is UTF-8 (datasets are converted from their Specific
// Character Set when indexed), so the index needs no character set.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace skyarray::services::dicom {

using DicomTag = uint32_t;

constexpr DicomTag tag(uint16_t group, uint16_t element) {
  return (static_cast<uint32_t>(group) << 16) | element;
}

namespace tags {
inline constexpr DicomTag kTransferSyntaxUid = tag(0x0002, 0x0010);
inline constexpr DicomTag kSpecificCharacterSet = tag(0x0008, 0x0005);
inline constexpr DicomTag kSopClassUid = tag(0x0008, 0x0016);
inline constexpr DicomTag kSopInstanceUid = tag(0x0008, 0x0018);
inline constexpr DicomTag kStudyDate = tag(0x0008, 0x0020);
inline constexpr DicomTag kSeriesDate = tag(0x0008, 0x0021);
inline constexpr DicomTag kContentDate = tag(0x0008, 0x0023);
inline constexpr DicomTag kStudyTime = tag(0x0008, 0x0030);
inline constexpr DicomTag kSeriesTime = tag(0x0008, 0x0031);
inline constexpr DicomTag kContentTime = tag(0x0008, 0x0033);
inline constexpr DicomTag kAccessionNumber = tag(0x0008, 0x0050);
inline constexpr DicomTag kQueryRetrieveLevel = tag(0x0008, 0x0052);
inline constexpr DicomTag kModality = tag(0x0008, 0x0060);
inline constexpr DicomTag kModalitiesInStudy = tag(0x0008, 0x0061);
inline constexpr DicomTag kReferringPhysicianName = tag(0x0008, 0x0090);
inline constexpr DicomTag kStudyDescription = tag(0x0008, 0x1030);
inline constexpr DicomTag kSeriesDescription = tag(0x0008, 0x103E);
inline constexpr DicomTag kPatientName = tag(0x0010, 0x0010);
inline constexpr DicomTag kPatientId = tag(0x0010, 0x0020);
inline constexpr DicomTag kIssuerOfPatientId = tag(0x0010, 0x0021);
inline constexpr DicomTag kPatientBirthDate = tag(0x0010, 0x0030);
inline constexpr DicomTag kPatientSex = tag(0x0010, 0x0040);
inline constexpr DicomTag kBodyPartExamined = tag(0x0018, 0x0015);
inline constexpr DicomTag kStudyInstanceUid = tag(0x0020, 0x000D);
inline constexpr DicomTag kSeriesInstanceUid = tag(0x0020, 0x000E);
inline constexpr DicomTag kStudyId = tag(0x0020, 0x0010);
inline constexpr DicomTag kSeriesNumber = tag(0x0020, 0x0011);
inline constexpr DicomTag kInstanceNumber = tag(0x0020, 0x0013);
inline constexpr DicomTag kNumberOfStudyRelatedSeries = tag(0x0020, 0x1206);
inline constexpr DicomTag kNumberOfStudyRelatedInstances = tag(0x0020, 0x1208);
inline constexpr DicomTag kNumberOfSeriesRelatedInstances = tag(0x0020, 0x1209);
inline constexpr DicomTag kNumberOfFrames = tag(0x0028, 0x0008);
inline constexpr DicomTag kRows = tag(0x0028, 0x0010);
inline constexpr DicomTag kColumns = tag(0x0028, 0x0011);
inline constexpr DicomTag kBitsAllocated = tag(0x0028, 0x0100);
inline constexpr DicomTag kPerformedProcedureStepStartDate = tag(0x0040, 0x0244);
inline constexpr DicomTag kPerformedProcedureStepStartTime = tag(0x0040, 0x0245);
}  // namespace tags

// The query/retrieve levels, top down.
enum class DicomLevel : uint8_t { kPatient, kStudy, kSeries, kInstance };

// How a key's value is matched (PS3.4 C.2.2.2): by the attribute's VR.
enum class MatchKind : uint8_t {
  kText,        // single value, wildcards (* ?), case-sensitive
  kPersonName,  // as text, but case-insensitive (as most archives do)
  kUid,         // single value or a backslash-separated list; no wildcards
  kDate,        // DA: single value or range "a-b", "a-", "-b"
  kTime,        // TM: the same
  kNumber,      // IS/US: exact single value
};

MatchKind match_kind(DicomTag t);

// The attributes stored in a record of `level` (see above), the level's
// unique key first.
std::span<const DicomTag> level_tags(DicomLevel level);
// The unique key of a level (PatientID, StudyInstanceUID, ...).
DicomTag unique_key(DicomLevel level);
// Computed attributes available at `level` (see above).
bool is_computed(DicomTag t);

}  // namespace skyarray::services::dicom
