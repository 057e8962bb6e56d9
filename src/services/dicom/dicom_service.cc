// DicomService: stores instances with their index entries (dicom_service.h).
#include "services/dicom/dicom_service.h"

#include <spdlog/spdlog.h>

#include "common/runtime.h"
#include "services/dicom/dicom_index.h"
#include "services/dicom/dicom_instance.h"
#include "services/objects/object_service.h"

namespace skyarray::services::dicom {

namespace {

// The service acts for the array, not for a user: it may write the bucket
// whoever owns it.
Caller system_caller() {
  Caller c;
  c.system = true;
  return c;
}

Status check_announced(const DicomStoreRequest& r, const DicomInstance& inst) {
  if (!r.sop_instance_uid.empty() && r.sop_instance_uid != inst.sop_instance_uid) {
    return Status::invalid_argument("dataset's SOP Instance UID differs from the announced one");
  }
  if (!r.sop_class_uid.empty() && r.sop_class_uid != inst.sop_class_uid) {
    return Status::invalid_argument("dataset's SOP Class UID differs from the announced one");
  }
  return Status::ok();
}

// The Part 10 file: the header, then the dataset in pieces of 1 MiB.
Task<Status> write_file(ObjectWriter& writer, std::string_view header, std::string_view dataset) {
  constexpr size_t kPiece = 1 << 20;
  Buffer first = Buffer::copy_of(header);
  SKY_CO_RETURN_IF_ERROR(co_await writer.write(std::move(first)));
  for (size_t off = 0; off < dataset.size(); off += kPiece) {
    Buffer piece = Buffer::copy_of(dataset.substr(off, kPiece));
    SKY_CO_RETURN_IF_ERROR(co_await writer.write(std::move(piece)));
  }
  co_return Status::ok();
}

}  // namespace

DicomService::DicomService(Runtime& runtime, const MetaStore& meta, ObjectService& objects,
                           DicomServiceOptions options)
    : rt_(runtime),
      objects_(objects),
      options_(std::move(options)),
      index_(std::make_unique<DicomIndex>(meta)) {}

DicomService::~DicomService() = default;

Task<Status> DicomService::start() {
  Caller owner;
  owner.user_id = options_.bucket_owner;
  CreateBucketOptions create;
  auto created = co_await objects_.buckets().create_bucket(owner, options_.bucket, create);
  if (!created.is_ok() && created.status().code() != StatusCode::kBucketAlreadyOwnedByYou) {
    if (created.status().code() != StatusCode::kAlreadyExists) co_return created.status();
    spdlog::warn("DICOM bucket '{}' belongs to another user than '{}'", options_.bucket,
                 options_.bucket_owner);
  }
  if (options_.duplicates == DuplicatePolicy::kKeepVersions) {
    Caller system = system_caller();
    co_return co_await objects_.buckets().set_bucket_versioning(system, options_.bucket,
                                                                VersioningState::kEnabled);
  }
  co_return Status::ok();
}

Task<Result<DicomStoreResult>> DicomService::store(const DicomStoreRequest& request) {
  auto result = co_await store_counted(request);
  if (!result.is_ok()) {
    ++refused_;
  } else if (result->outcome == DicomStoreOutcome::kStored) {
    ++stored_;
  } else {
    ++duplicates_;
  }
  co_return result;
}

Task<Result<DicomService::Stats>> DicomService::stats() {
  auto instances = co_await rt_.blocking([&] { return index_->instance_count(options_.bucket); });
  if (!instances.is_ok()) co_return instances.status();
  Stats s;
  s.instances = *instances;
  s.stored = stored_.load();
  s.duplicates = duplicates_.load();
  s.refused = refused_.load();
  co_return s;
}

Task<Result<DicomStoreResult>> DicomService::store_counted(const DicomStoreRequest& request) {
  if (request.dataset.size() > options_.max_instance_bytes) {
    co_return Status(StatusCode::kTooLarge, "instance larger than max_instance_size");
  }
  // Parsing reads the attributes only (it stops at the pixel data) but is
  // CPU work on a possibly large buffer: keep it off the event loops.
  auto parsed = co_await rt_.blocking(
      [&] { return DicomInstance::parse(request.dataset, request.transfer_syntax); });
  SKY_CO_RETURN_IF_ERROR(parsed.status());
  const DicomInstance& inst = *parsed;
  SKY_CO_RETURN_IF_ERROR(check_announced(request, inst));

  DicomStoreResult result;
  result.bucket = options_.bucket;
  result.key = inst.object_key();
  result.study_uid = inst.study_uid;
  PutOptions put;
  put.content.content_type = "application/dicom";
  if (options_.duplicates == DuplicatePolicy::kKeepFirst) put.if_none_match = {"*"};
  std::string header = inst.part10_header(request.calling_ae);
  put.expected_size = header.size() + request.dataset.size();
  auto stager = std::make_shared<DicomIndexStager>(options_.bucket, inst);
  Caller system = system_caller();
  auto writer =
      co_await objects_.writes().put_object(system, result.bucket, result.key, put, stager);
  SKY_CO_RETURN_IF_ERROR(writer.status());
  Status written = co_await write_file(**writer, header, request.dataset);
  if (!written.is_ok()) {
    co_await (*writer)->abort();
    co_return written;
  }
  auto committed = co_await (*writer)->commit();
  if (!committed.is_ok()) {
    co_await (*writer)->abort();
    if (committed.status().code() == StatusCode::kPreconditionFailed) {
      result.outcome = DicomStoreOutcome::kKeptFirst;
      co_return result;
    }
    co_return committed.status();
  }
  result.version_id = committed->version_id;
  bool had = stager->replaced();
  if (had) {
    result.outcome = options_.duplicates == DuplicatePolicy::kKeepVersions
                         ? DicomStoreOutcome::kAddedVersion
                         : DicomStoreOutcome::kReplaced;
  }
  co_return result;
}

Task<Result<std::vector<DicomRecord>>> DicomService::find(const DicomQuery& query) {
  co_return co_await rt_.blocking([&] { return index_->find(options_.bucket, query); });
}

Task<Result<std::string>> DicomService::read_instance(const std::string& study,
                                                      const std::string& series,
                                                      const std::string& sop) {
  DicomInstance ids;
  ids.study_uid = study;
  ids.series_uid = series;
  ids.sop_instance_uid = sop;
  for (const std::string* uid : {&study, &series, &sop}) {
    if (!is_valid_uid(*uid)) co_return Status::invalid_argument("not a UID: '" + *uid + "'");
  }
  std::string key = ids.object_key();
  Caller system = system_caller();
  GetOptions whole;
  auto reader = co_await objects_.reads().get_object(system, options_.bucket, key, whole);
  SKY_CO_RETURN_IF_ERROR(reader.status());
  std::string file;
  for (;;) {
    auto piece = co_await (*reader)->read(1 << 20);
    SKY_CO_RETURN_IF_ERROR(piece.status());
    if (piece->empty()) break;
    if (file.size() + piece->size() > options_.max_instance_bytes + (1 << 16)) {
      co_return Status(StatusCode::kTooLarge, "instance larger than max_instance_size");
    }
    file.append(piece->view());
  }
  co_return file;
}

Task<Result<uint64_t>> DicomService::count(DicomLevel level) {
  co_return co_await rt_.blocking([&] { return index_->count(options_.bucket, level); });
}

}  // namespace skyarray::services::dicom
