// DicomFindIdentifier: C-FIND identifiers to queries and back
// (dicom_find_identifier.h).
#include "protocols/dicom/dicom_find_identifier.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcstack.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <string>

namespace skyarray::dicom {

namespace sd = services::dicom;

namespace {

sd::DicomTag tag_of(const DcmTagKey& k) {
  return sd::tag(k.getGroup(), k.getElement());
}

std::string trimmed(const OFString& s) {
  std::string v(s.c_str(), s.length());
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  return v;
}

// Attributes of the identifier that are not keys.
bool is_key(const DcmTagKey& k) {
  return k.getGroup() != 0x0002 && k != DCM_QueryRetrieveLevel && k != DCM_SpecificCharacterSet &&
         k.getElement() != 0x0000;  // group lengths
}

// Query keys are short strings: an identifier holding a longer value
// (anywhere, sequences included) is refused before any value is read or
// converted, so a hostile length never becomes an allocation of ours.
constexpr Uint32 kMaxValueBytes = 64 * 1024;

Status check_lengths(DcmDataset& identifier) {
  DcmStack stack;
  while (identifier.nextObject(stack, OFTrue).good()) {
    DcmObject* o = stack.top();
    DcmEVR vr = o->ident();
    if (vr == EVR_SQ || vr == EVR_item || vr == EVR_na) continue;
    if (o->getLength() > kMaxValueBytes) {
      return Status::invalid_argument("identifier value longer than 64 KiB");
    }
  }
  return Status::ok();
}

Result<sd::DicomLevel> level_of(DcmDataset& identifier, QueryModel model) {
  OFString raw;
  if (identifier.findAndGetOFString(DCM_QueryRetrieveLevel, raw).bad()) {
    return Status::invalid_argument("identifier without Query/Retrieve Level");
  }
  std::string level = trimmed(raw);
  if (level == "PATIENT" && model == QueryModel::kPatientRoot) return sd::DicomLevel::kPatient;
  if (level == "STUDY") return sd::DicomLevel::kStudy;
  if (level == "SERIES") return sd::DicomLevel::kSeries;
  if (level == "IMAGE") return sd::DicomLevel::kInstance;
  return Status::invalid_argument("Query/Retrieve Level '" + level + "' not in this model");
}

const char* level_name(sd::DicomLevel level) {
  switch (level) {
    case sd::DicomLevel::kPatient:
      return "PATIENT";
    case sd::DicomLevel::kStudy:
      return "STUDY";
    case sd::DicomLevel::kSeries:
      return "SERIES";
    case sd::DicomLevel::kInstance:
      return "IMAGE";
  }
  return "";
}

}  // namespace

std::optional<QueryModel> find_model(std::string_view sop_class_uid) {
  if (sop_class_uid == UID_FINDPatientRootQueryRetrieveInformationModel) {
    return QueryModel::kPatientRoot;
  }
  if (sop_class_uid == UID_FINDStudyRootQueryRetrieveInformationModel) {
    return QueryModel::kStudyRoot;
  }
  return std::nullopt;
}

std::optional<QueryModel> move_model(std::string_view sop_class_uid) {
  if (sop_class_uid == UID_MOVEPatientRootQueryRetrieveInformationModel) {
    return QueryModel::kPatientRoot;
  }
  if (sop_class_uid == UID_MOVEStudyRootQueryRetrieveInformationModel) {
    return QueryModel::kStudyRoot;
  }
  return std::nullopt;
}

std::optional<QueryModel> get_model(std::string_view sop_class_uid) {
  if (sop_class_uid == UID_GETPatientRootQueryRetrieveInformationModel) {
    return QueryModel::kPatientRoot;
  }
  if (sop_class_uid == UID_GETStudyRootQueryRetrieveInformationModel) {
    return QueryModel::kStudyRoot;
  }
  return std::nullopt;
}

Result<sd::DicomQuery> query_from_identifier(DcmDataset& identifier, QueryModel model) {
  SKY_RETURN_IF_ERROR(check_lengths(identifier));
  SKY_ASSIGN_OR_RETURN(sd::DicomLevel level, level_of(identifier, model));
  // A character set DCMTK cannot convert leaves the values as they are;
  // names then match only ASCII patterns.
  (void)identifier.convertToUTF8();
  sd::DicomQuery q;
  q.level = level;
  for (unsigned long i = 0; i < identifier.card(); ++i) {
    DcmElement* e = identifier.getElement(i);
    if (e == nullptr || !is_key(e->getTag())) continue;
    std::string value;
    if (e->ident() != EVR_SQ) {
      OFString raw;
      if (e->getOFStringArray(raw).good()) value = trimmed(raw);
    }
    q.keys[tag_of(e->getTag())] = std::move(value);
  }
  return q;
}

void fill_response(DcmDataset& request, const sd::DicomRecord& match, DcmDataset* response) {
  OFString raw;
  sd::DicomLevel level = sd::DicomLevel::kStudy;
  if (request.findAndGetOFString(DCM_QueryRetrieveLevel, raw).good()) {
    std::string l = trimmed(raw);
    if (l == "PATIENT") level = sd::DicomLevel::kPatient;
    if (l == "SERIES") level = sd::DicomLevel::kSeries;
    if (l == "IMAGE") level = sd::DicomLevel::kInstance;
  }
  response->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  response->putAndInsertString(DCM_QueryRetrieveLevel, level_name(level));
  for (unsigned long i = 0; i < request.card(); ++i) {
    DcmElement* e = request.getElement(i);
    if (e == nullptr || !is_key(e->getTag())) continue;
    DcmTag t = e->getTag();
    if (e->ident() == EVR_SQ) {
      response->insertEmptyElement(t);
      continue;
    }
    const std::string& value = match.get(tag_of(t));
    if (value.empty() || response->putAndInsertString(t, value.c_str()).bad()) {
      response->insertEmptyElement(t);
    }
  }
}

}  // namespace skyarray::dicom
