// DicomIndex: the DICOM index in the metadata's `dicom` column family —
// one record per patient, study, series and instance of each DICOM bucket,
// written in the same batch as the instance's object (DicomIndexStager),
// so that after a crash there is never an entry without its object nor an
// object without its entry.
//
// Keys, format version 1 (meta/key_codec.h strings after one kind byte):
//   'P' bucket patient-id                      → patient record
//   'T' bucket study-uid                       → study record
//   'S' bucket study-uid series-uid            → series record
//   'I' bucket study-uid series-uid sop-uid    → instance record
// Values: DicomRecord (dicom_record.h). A new instance rewrites the
// records of its patient, study and series with its own attributes (the
// latest instance's values win, as in most archives).
//
// Blocking: find() and count() read RocksDB; call them on the blocking
// pool. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "services/dicom/dicom_instance.h"
#include "services/dicom/dicom_query.h"
#include "services/dicom/dicom_record.h"
#include "services/objects/put_commit_stager.h"

namespace skyarray {
class MetaStore;
class MetaBatch;
}  // namespace skyarray

namespace skyarray::services::dicom {

class DicomIndex {
 public:
  explicit DicomIndex(const MetaStore& meta) : meta_(meta) {}

  static std::string patient_key(const std::string& bucket, const std::string& patient_id);
  static std::string study_key(const std::string& bucket, const std::string& study);
  static std::string series_key(const std::string& bucket, const std::string& study,
                                const std::string& series);
  static std::string instance_key(const std::string& bucket, const std::string& study,
                                  const std::string& series, const std::string& sop);

  // Puts the four records of `instance` into `batch`.
  static void stage(MetaBatch* batch, const std::string& bucket, const DicomInstance& instance);

  // The records of `query.level` in `bucket` that match, in key order,
  // with the computed attributes the query names filled in; `query.offset`
  // and `query.limit` applied.
  Result<std::vector<DicomRecord>> find(const std::string& bucket, const DicomQuery& query) const;

  // The number of records of `level` in `bucket` (a full scan; for tests
  // and health).
  Result<uint64_t> count(const std::string& bucket, DicomLevel level) const;

  // SOP instances indexed in `bucket`: a counter (counters family) the
  // stager raises in the batch of each new instance, so it is exact after a
  // crash and costs no scan.
  Result<int64_t> instance_count(const std::string& bucket) const;
  static std::string instance_counter_key(const std::string& bucket);

 private:
  // Fills ModalitiesInStudy and the study's counts (when asked).
  Status add_study_computed(const std::string& bucket, const DicomQuery& query,
                            DicomRecord* study) const;
  Status add_series_computed(const std::string& bucket, const DicomQuery& query,
                             DicomRecord* series) const;

  const MetaStore& meta_;
};

// Stages one instance's index records with the put of its object
// (ObjectWrites::put_object's `with`).
class DicomIndexStager final : public PutCommitStager {
 public:
  DicomIndexStager(std::string bucket, const DicomInstance& instance)
      : bucket_(std::move(bucket)), instance_(instance) {}
  Status stage_with_put(MetaBatch* batch, const ObjectInfo& written,
                        const std::optional<ObjectInfo>& replaced) override;
  // After a commit: whether the put replaced (or versioned over) an object.
  bool replaced() const { return replaced_; }

 private:
  bool replaced_ = false;
  std::string bucket_;
  const DicomInstance& instance_;
};

}  // namespace skyarray::services::dicom
