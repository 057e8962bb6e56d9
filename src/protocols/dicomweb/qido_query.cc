// QidoQuery (qido_query.h).
#include "protocols/dicomweb/qido_query.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dctag.h>

#include <algorithm>
#include <vector>

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/auth/sigv4.h"

namespace skyarray::dicomweb {

namespace {

constexpr size_t kMaxValue = 64 * 1024;

// PS3.18 tables 10.6.3-3 (study), -4 (series) and -5 (instance): what a
// search returns without includefield.
const std::vector<DcmTagKey>& default_keys(QidoLevel level) {
  static const std::vector<DcmTagKey> study = {DCM_StudyDate,
                                               DCM_StudyTime,
                                               DCM_AccessionNumber,
                                               DCM_ModalitiesInStudy,
                                               DCM_ReferringPhysicianName,
                                               DCM_PatientName,
                                               DCM_PatientID,
                                               DCM_PatientBirthDate,
                                               DCM_PatientSex,
                                               DCM_StudyID,
                                               DCM_StudyInstanceUID,
                                               DCM_StudyDescription,
                                               DCM_NumberOfStudyRelatedSeries,
                                               DCM_NumberOfStudyRelatedInstances};
  static const std::vector<DcmTagKey> series = {DCM_Modality,
                                                DCM_SeriesDescription,
                                                DCM_SeriesNumber,
                                                DCM_SeriesInstanceUID,
                                                DCM_NumberOfSeriesRelatedInstances,
                                                DCM_StudyInstanceUID};
  static const std::vector<DcmTagKey> instance = {
      DCM_SOPClassUID,    DCM_SOPInstanceUID,   DCM_InstanceNumber,
      DCM_Rows,           DCM_Columns,          DCM_BitsAllocated,
      DCM_NumberOfFrames, DCM_StudyInstanceUID, DCM_SeriesInstanceUID};
  return level == QidoLevel::kStudy ? study : level == QidoLevel::kSeries ? series : instance;
}

const char* level_name(QidoLevel level) {
  return level == QidoLevel::kStudy ? "STUDY" : level == QidoLevel::kSeries ? "SERIES" : "IMAGE";
}

// A keyword or 8 hex digits.
Result<DcmTag> attribute(const std::string& id) {
  DcmTag tag;
  if (id.size() == 8 &&
      std::all_of(id.begin(), id.end(), [](char c) { return hex_digit_value(c) >= 0; })) {
    unsigned long v = std::stoul(id, nullptr, 16);
    return DcmTag(static_cast<Uint16>(v >> 16), static_cast<Uint16>(v & 0xFFFF));
  }
  if (DcmTag::findTagFromName(id.c_str(), tag).bad()) {
    return Status::invalid_argument("unknown attribute '" + id + "'");
  }
  return tag;
}

Status add_key(DcmDataset& identifier, DcmTag tag, const std::string& value) {
  const std::string name = tag.getTagName();
  if (tag.getEVR() == EVR_SQ || tag.getGroup() == 0x0002 || tag == DCM_PixelData) {
    return Status::invalid_argument("attribute " + name + " cannot be matched or returned");
  }
  if (identifier.putAndInsertString(tag, value.c_str()).bad()) {
    return Status::invalid_argument("bad value for " + name);
  }
  return Status::ok();
}

Status include_all(DcmDataset& identifier) {
  for (QidoLevel l : {QidoLevel::kStudy, QidoLevel::kSeries, QidoLevel::kInstance}) {
    for (const auto& k : default_keys(l)) {
      if (!identifier.tagExists(k)) identifier.insertEmptyElement(DcmTag(k));
    }
  }
  return Status::ok();
}

}  // namespace

QidoQuery::QidoQuery() : identifier(std::make_unique<DcmDataset>()) {}
QidoQuery::~QidoQuery() = default;
QidoQuery::QidoQuery(QidoQuery&&) noexcept = default;
QidoQuery& QidoQuery::operator=(QidoQuery&&) noexcept = default;

Result<QidoQuery> parse_qido(QidoLevel level, const std::string& study, const std::string& series,
                             std::string_view raw_query) {
  QidoQuery q;
  DcmDataset& id = *q.identifier;
  id.putAndInsertString(DCM_QueryRetrieveLevel, level_name(level));
  for (const auto& k : default_keys(level)) id.insertEmptyElement(DcmTag(k));
  if (!study.empty()) id.putAndInsertString(DCM_StudyInstanceUID, study.c_str());
  if (!series.empty()) id.putAndInsertString(DCM_SeriesInstanceUID, series.c_str());
  SKY_ASSIGN_OR_RETURN(auth::QueryList params, auth::parse_query(raw_query));
  for (const auto& [name, value] : params) {
    if (istarts_with(name, "x-amz-")) continue;  // a presigned URL's signature
    if (value.size() > kMaxValue) return Status::invalid_argument("value over 64 KiB");
    if (name == "limit" || name == "offset") {
      auto n = parse_u64(value);
      if (!n) return Status::invalid_argument(name + " must be a number");
      (name == "limit" ? q.limit : q.offset) = static_cast<size_t>(*n);
    } else if (name == "fuzzymatching") {
      if (value != "false") return Status::invalid_argument("fuzzymatching is not supported");
    } else if (name == "includefield") {
      std::string_view rest = value;
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string field(trim(rest.substr(0, comma)));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (field == "all") {
          SKY_RETURN_IF_ERROR(include_all(id));
          continue;
        }
        SKY_ASSIGN_OR_RETURN(DcmTag tag, attribute(field));
        if (!id.tagExists(tag)) SKY_RETURN_IF_ERROR(add_key(id, tag, ""));
      }
    } else {
      SKY_ASSIGN_OR_RETURN(DcmTag tag, attribute(name));
      SKY_RETURN_IF_ERROR(add_key(id, tag, value));
    }
  }
  return q;
}

}  // namespace skyarray::dicomweb
