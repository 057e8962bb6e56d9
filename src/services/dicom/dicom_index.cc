// DicomIndex: index records and their search (dicom_index.h).
#include "services/dicom/dicom_index.h"

#include <set>

#include "meta/key_codec.h"
#include "meta/meta_store.h"

namespace skyarray::services::dicom {

namespace {

std::string prefix(char kind, const std::string& bucket) {
  return KeyCodec(std::string(1, kind)).add_string(bucket).key();
}

// Calls `fn(value)` for every entry under `key_prefix`; stops when it
// returns false.
template <typename Fn>
Status scan(const MetaStore& meta, const std::string& key_prefix, Fn fn) {
  auto it = meta.scan_prefix(MetaCf::kDicom, key_prefix);
  for (it->seek_to_first(); it->valid(); it->next()) {
    if (!fn(it->value())) return Status::ok();
  }
  return it->status();
}

bool asks(const DicomQuery& q, DicomTag t) {
  return q.keys.count(t) != 0;
}

}  // namespace

std::string DicomIndex::patient_key(const std::string& bucket, const std::string& patient_id) {
  return KeyCodec(prefix('P', bucket)).add_string(patient_id).key();
}

std::string DicomIndex::study_key(const std::string& bucket, const std::string& study) {
  return KeyCodec(prefix('T', bucket)).add_string(study).key();
}

std::string DicomIndex::series_key(const std::string& bucket, const std::string& study,
                                   const std::string& series) {
  return KeyCodec(prefix('S', bucket)).add_string(study).add_string(series).key();
}

std::string DicomIndex::instance_key(const std::string& bucket, const std::string& study,
                                     const std::string& series, const std::string& sop) {
  return KeyCodec(prefix('I', bucket)).add_string(study).add_string(series).add_string(sop).key();
}

void DicomIndex::stage(MetaBatch* batch, const std::string& bucket, const DicomInstance& i) {
  batch->put(MetaCf::kDicom, patient_key(bucket, i.patient_id), i.patient.encode());
  batch->put(MetaCf::kDicom, study_key(bucket, i.study_uid), i.study.encode());
  batch->put(MetaCf::kDicom, series_key(bucket, i.study_uid, i.series_uid), i.series.encode());
  batch->put(MetaCf::kDicom, instance_key(bucket, i.study_uid, i.series_uid, i.sop_instance_uid),
             i.instance.encode());
}

Status DicomIndexStager::stage_with_put(MetaBatch* batch, const ObjectInfo& /*written*/,
                                        const std::optional<ObjectInfo>& replaced) {
  replaced_ = replaced.has_value();
  DicomIndex::stage(batch, bucket_, instance_);
  if (!replaced_) batch->add(MetaCf::kCounters, DicomIndex::instance_counter_key(bucket_), 1);
  return Status::ok();
}

Status DicomIndex::add_study_computed(const std::string& bucket, const DicomQuery& q,
                                      DicomRecord* study) const {
  bool modalities = asks(q, tags::kModalitiesInStudy);
  bool series_count = asks(q, tags::kNumberOfStudyRelatedSeries);
  bool instance_count = asks(q, tags::kNumberOfStudyRelatedInstances);
  if (!modalities && !series_count && !instance_count) return Status::ok();
  const std::string& uid = study->get(tags::kStudyInstanceUid);
  std::set<std::string> found;
  uint64_t series = 0;
  SKY_RETURN_IF_ERROR(
      scan(meta_, KeyCodec(prefix('S', bucket)).add_string(uid).key(), [&](std::string_view v) {
        ++series;
        auto r = DicomRecord::decode(v);
        if (r.is_ok() && !r->get(tags::kModality).empty()) {
          found.insert(r->get(tags::kModality));
        }
        return true;
      }));
  if (modalities) {
    std::string joined;
    for (const auto& m : found) joined += (joined.empty() ? "" : "\\") + m;
    study->set(tags::kModalitiesInStudy, joined);
  }
  if (series_count) study->set(tags::kNumberOfStudyRelatedSeries, std::to_string(series));
  if (instance_count) {
    uint64_t n = 0;
    SKY_RETURN_IF_ERROR(scan(meta_, KeyCodec(prefix('I', bucket)).add_string(uid).key(),
                             [&](std::string_view) { return ++n, true; }));
    study->set(tags::kNumberOfStudyRelatedInstances, std::to_string(n));
  }
  return Status::ok();
}

Status DicomIndex::add_series_computed(const std::string& bucket, const DicomQuery& q,
                                       DicomRecord* series) const {
  if (!asks(q, tags::kNumberOfSeriesRelatedInstances)) return Status::ok();
  uint64_t n = 0;
  std::string p = KeyCodec(prefix('I', bucket))
                      .add_string(series->get(tags::kStudyInstanceUid))
                      .add_string(series->get(tags::kSeriesInstanceUid))
                      .key();
  SKY_RETURN_IF_ERROR(scan(meta_, p, [&](std::string_view) { return ++n, true; }));
  series->set(tags::kNumberOfSeriesRelatedInstances, std::to_string(n));
  return Status::ok();
}

Result<std::vector<DicomRecord>> DicomIndex::find(const std::string& bucket,
                                                  const DicomQuery& q) const {
  // The narrowest prefix the query's unique keys allow.
  std::string study = q.exact(tags::kStudyInstanceUid);
  std::string series = q.exact(tags::kSeriesInstanceUid);
  std::string key_prefix;
  switch (q.level) {
    case DicomLevel::kPatient:
      key_prefix = prefix('P', bucket);
      break;
    case DicomLevel::kStudy:
      key_prefix = study.empty() ? prefix('T', bucket) : study_key(bucket, study);
      break;
    case DicomLevel::kSeries:
    case DicomLevel::kInstance: {
      KeyCodec k(prefix(q.level == DicomLevel::kSeries ? 'S' : 'I', bucket));
      if (!study.empty()) {
        k.add_string(study);
        if (!series.empty() && q.level == DicomLevel::kInstance) k.add_string(series);
      }
      key_prefix = std::move(k).key();
      break;
    }
  }
  std::vector<DicomRecord> out;
  size_t skipped = 0;
  Status inner;
  SKY_RETURN_IF_ERROR(scan(meta_, key_prefix, [&](std::string_view v) {
    auto rec = DicomRecord::decode(v);
    if (!rec.is_ok()) {
      inner = rec.status();
      return false;
    }
    if (q.level == DicomLevel::kStudy) inner = add_study_computed(bucket, q, &*rec);
    if (q.level == DicomLevel::kSeries) inner = add_series_computed(bucket, q, &*rec);
    if (!inner.is_ok()) return false;
    if (!record_matches(q, *rec)) return true;
    if (skipped < q.offset) {
      ++skipped;
      return true;
    }
    out.push_back(std::move(*rec));
    return q.limit == 0 || out.size() < q.limit;
  }));
  SKY_RETURN_IF_ERROR(inner);
  return out;
}

std::string DicomIndex::instance_counter_key(const std::string& bucket) {
  return prefix('D', bucket) + "i";
}

Result<int64_t> DicomIndex::instance_count(const std::string& bucket) const {
  return meta_.get_counter(MetaCf::kCounters, instance_counter_key(bucket));
}

Result<uint64_t> DicomIndex::count(const std::string& bucket, DicomLevel level) const {
  static constexpr char kKinds[] = {'P', 'T', 'S', 'I'};
  uint64_t n = 0;
  SKY_RETURN_IF_ERROR(scan(meta_, prefix(kKinds[static_cast<int>(level)], bucket),
                           [&](std::string_view) { return ++n, true; }));
  return n;
}

}  // namespace skyarray::services::dicom
