// BlobStore: drive administration (fail, drain, replace, remove, return)
// and the self-healing entry points. The state machine is documented in
// blob_store.h; the persisted operator state is MetaCf::kDrives
// "drive-state/" + u64 id → "draining" | "failed" | "removed".
#include <spdlog/spdlog.h>
#include <filesystem>

#include "drives/drive_identity.h"
#include "meta/key_codec.h"
#include "store/blob_store.h"
#include "store/rebuilder.h"
#include "store/scrubber.h"
#include "store/store_core.h"

namespace skyarray {

namespace {

std::string state_key(uint32_t drive_id) {
  return KeyCodec("drive-state/").add_u64(drive_id).key();
}

bool removed(const Drive& d) {
  return d.state() == DriveState::kOffline && d.state_reason() == "removed by operator";
}

}  // namespace

Status BlobStore::set_drive_state(uint32_t drive_id, DriveState state) {
  if (state == DriveState::kDegraded) {
    return Status::invalid_argument("a drive can be set online, draining or offline (failed)");
  }
  Drive* d = core_->drives().find(drive_id);
  if (!d) return Status::not_found("no drive " + std::to_string(drive_id));
  if (removed(*d)) {
    return Status(StatusCode::kConflict, "drive " + std::to_string(drive_id) + " was removed");
  }
  if (state == DriveState::kOnline && d->state() == DriveState::kOffline) {
    // A returning drive: it must still be ours, and its stale files (chunks
    // rebuilt elsewhere while it was away) go before it serves anything.
    auto id = DriveIdentity::read(d->path());
    if (!id.is_ok()) return id.status().with_context("drive " + d->path() + " cannot return");
    if (id->array_id != core_->drives().array_id() || id->drive_id != drive_id) {
      return Status::invalid_argument("drive " + d->path() + " now carries another identity");
    }
    SKY_RETURN_IF_ERROR(core_->recover_drive(*d));
  }
  MetaBatch batch;
  batch.set_admission(MetaAdmission::kRelease);  // an operator's drive state must always land
  if (state == DriveState::kOnline) {
    batch.erase(MetaCf::kDrives, state_key(drive_id));
  } else {
    batch.put(MetaCf::kDrives, state_key(drive_id),
              state == DriveState::kDraining ? "draining" : "failed");
  }
  SKY_RETURN_IF_ERROR(core_->meta().commit(std::move(batch)));
  d->set_state(state, state == DriveState::kDraining  ? "draining by operator"
                      : state == DriveState::kOffline ? "failed by operator"
                                                      : "");
  if (state != DriveState::kOnline) {
    core_->verified().forget_drive(drive_id);
    SKY_ASSIGN_OR_RETURN(uint64_t queued, rebuilder_->enqueue_drives({drive_id}));
    spdlog::info("drive {} {}: {} chunks queued for re-replication", drive_id,
                 drive_state_name(state), queued);
    rebuilder_->wake();
  }
  return Status();
}

Result<uint64_t> BlobStore::chunks_on_drive(uint32_t drive_id) const {
  uint64_t n = 0;
  auto it = core_->meta().scan_prefix(MetaCf::kChunks, "c");
  for (; it->valid(); it->next()) {
    auto rec = ChunkRecord::decode(it->value());
    if (!rec.is_ok()) continue;
    for (uint32_t d : rec->drives) n += d == drive_id ? 1 : 0;
  }
  SKY_RETURN_IF_ERROR(it->status());
  return n;
}

Status BlobStore::remove_drive(uint32_t drive_id) {
  Drive* d = core_->drives().find(drive_id);
  if (!d) return Status::not_found("no drive " + std::to_string(drive_id));
  if (removed(*d)) return Status();
  SKY_ASSIGN_OR_RETURN(uint64_t held, chunks_on_drive(drive_id));
  if (held > 0) {
    return Status(StatusCode::kNotEmpty,
                  "drive " + std::to_string(drive_id) + " still holds " + std::to_string(held) +
                      " chunk replicas: drain it (or fail it) and wait for the rebuild first");
  }
  MetaBatch batch;
  batch.put(MetaCf::kDrives, state_key(drive_id), "removed");
  batch.erase(MetaCf::kDrives, KeyCodec("drive/").add_u64(drive_id).key());
  SKY_RETURN_IF_ERROR(core_->meta().commit(std::move(batch)));
  d->set_state(DriveState::kOffline, "removed by operator");
  core_->verified().forget_drive(drive_id);
  return Status();
}

Result<uint32_t> BlobStore::replace_drive(uint32_t old_drive_id, DriveConfig config) {
  Drive* old = core_->drives().find(old_drive_id);
  if (!old) return Status::not_found("no drive " + std::to_string(old_drive_id));
  if (config.label.bay.empty()) config.label = old->label();
  SKY_ASSIGN_OR_RETURN(uint32_t id, add_drive(config));
  if (old->state() != DriveState::kOffline) {
    SKY_RETURN_IF_ERROR(set_drive_state(old_drive_id, DriveState::kOffline));
  } else {
    SKY_RETURN_IF_ERROR(rebuilder_->enqueue_drives({old_drive_id}).status());
    rebuilder_->wake();
  }
  return id;
}

Result<uint64_t> BlobStore::rebuild_pass() {
  return rebuilder_->run_pass();
}

Result<ScrubProgress> BlobStore::scrub_pass(uint64_t max_chunks) {
  return scrubber_->run_pass(max_chunks);
}

void BlobStore::request_scrub() {
  scrubber_->request();
}

RebuildProgress BlobStore::rebuild_progress() const {
  return rebuilder_->progress();
}

ScrubProgress BlobStore::scrub_progress() const {
  return scrubber_->progress();
}

}  // namespace skyarray
