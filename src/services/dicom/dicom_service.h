// DicomService: the DICOM archive over the object service. Each instance is
// an object `studies/<StudyUID>/series/<SeriesUID>/instances/<SOPUID>.dcm`
// in the configured bucket (a Part 10 file holding the dataset exactly as
// received: dicom_instance.h), and its index records (dicom_index.h) commit
// in the same metadata batch as that object. Protocol-neutral: the DIMSE
// door (protocols/dicom) and later DICOMweb call it with datasets and
// queries, never with PDUs.
//
// Guarantees
// - store() returns OK only once object and index entry are durable
//   together; on any error neither is visible.
// - A SOP instance received again follows DicomServiceOptions::duplicates.
// - Threading: every method may be called concurrently from any thread
//   that is not one of the Runtime's event loops blocked on the result
//   (the work runs on the Runtime's blocking pool).
//
// Errors: kInvalidArgument (unreadable dataset, bad UIDs, UIDs that differ
// from the ones the sender announced), kTooLarge (over max_instance_size),
// and whatever the object service returns (kNoSpace, kIOError...).
#pragma once

#include <atomic>

#include <memory>
#include <string>
#include <vector>

#include "common/async.h"
#include "common/status.h"
#include "services/dicom/dicom_query.h"
#include "services/dicom/dicom_record.h"
#include "services/dicom/dicom_service_options.h"

namespace skyarray {
class Runtime;
class MetaStore;
}  // namespace skyarray

namespace skyarray::services {
class ObjectService;
}

namespace skyarray::services::dicom {

class DicomIndex;

// One instance as a sender hands it over.
struct DicomStoreRequest {
  std::string calling_ae;        // recorded as the file's source AE title
  std::string sop_class_uid;     // as announced (C-STORE Affected SOP Class)
  std::string sop_instance_uid;  // as announced (C-STORE Affected SOP Instance)
  std::string transfer_syntax;   // the dataset's encoding (a UID)
  std::string dataset;           // the dataset's bytes, no meta group
};

enum class DicomStoreOutcome : uint8_t {
  kStored,        // a new instance
  kKeptFirst,     // a duplicate, left as it was (keep_first)
  kReplaced,      // a duplicate that replaced the stored one (overwrite)
  kAddedVersion,  // a duplicate kept as a new version (keep_versions)
};

struct DicomStoreResult {
  DicomStoreOutcome outcome = DicomStoreOutcome::kStored;
  std::string bucket, key, version_id;
  std::string study_uid;  // of the instance received
};

class DicomService {
 public:
  // The stores and the object service outlive the DICOM service.
  DicomService(Runtime& runtime, const MetaStore& meta, ObjectService& objects,
               DicomServiceOptions options);
  ~DicomService();
  DicomService(const DicomService&) = delete;
  DicomService& operator=(const DicomService&) = delete;

  // Creates the bucket when missing (owned by bucket_owner) and enables
  // versioning on it for keep_versions. Call before serving.
  Task<Status> start();

  // Stores one instance and its index entry (see above).
  Task<Result<DicomStoreResult>> store(const DicomStoreRequest& request);

  // Index records matching `query` (dicom_query.h), in index order.
  Task<Result<std::vector<DicomRecord>>> find(const DicomQuery& query);

  // The stored Part 10 file of one instance (as store() wrote it; an
  // evicted one is read through the cloud tier). kNotFound when absent.
  Task<Result<std::string>> read_instance(const std::string& study, const std::string& series,
                                          const std::string& sop);

  // Records of `level` in the index (a scan).
  Task<Result<uint64_t>> count(DicomLevel level);

  // What the service did since it started, and the instances it holds.
  struct Stats {
    int64_t instances = 0;    // SOP instances in the index (kept exact)
    uint64_t stored = 0;      // store() calls that stored a new instance
    uint64_t duplicates = 0;  // ... that met one already held
    uint64_t refused = 0;     // ... that failed
  };
  Task<Result<Stats>> stats();

  const DicomServiceOptions& options() const { return options_; }

 private:
  Runtime& rt_;
  ObjectService& objects_;
  const DicomServiceOptions options_;
  std::unique_ptr<DicomIndex> index_;
  std::atomic<uint64_t> stored_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> refused_{0};

  Task<Result<DicomStoreResult>> store_counted(const DicomStoreRequest& request);
};

}  // namespace skyarray::services::dicom
