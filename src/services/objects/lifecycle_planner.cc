// Lifecycle decisions for one key (lifecycle_planner.h).
#include "services/objects/lifecycle_planner.h"

namespace skyarray::services {

std::string_view lifecycle_action_name(LifecycleAction::Kind kind) {
  switch (kind) {
    case LifecycleAction::Kind::kExpireCurrent:
      return "expire";
    case LifecycleAction::Kind::kExpireNoncurrent:
      return "expire-noncurrent";
    case LifecycleAction::Kind::kRemoveDeleteMarker:
      return "remove-delete-marker";
    case LifecycleAction::Kind::kAbortUpload:
      return "abort-upload";
  }
  return "?";
}

namespace {

LifecycleAction action(LifecycleAction::Kind kind, const std::string& key, const ObjectRecord& v,
                       const LifecycleRule& rule, int64_t due_ns) {
  return LifecycleAction{kind, key, v.seq, v.version_id(), rule.id, due_ns, v.size};
}

// The noncurrent version at `index` (0 = current) whose successor was made
// at `since_ns`: due under the first rule selecting it, unless kept as one
// of the newest noncurrent versions.
std::optional<LifecycleAction> plan_noncurrent(const LifecycleConfiguration& config,
                                               const std::string& key, const ObjectRecord& v,
                                               size_t index, int64_t since_ns, int64_t now_ns) {
  for (const auto& r : config.rules) {
    if (!r.enabled || !r.noncurrent_days || !r.filter.matches(key, v.tags, v.size)) continue;
    const size_t newer_noncurrent = index - 1;
    if (r.newer_noncurrent_versions && newer_noncurrent < *r.newer_noncurrent_versions) {
      return std::nullopt;
    }
    const int64_t due = lifecycle_due_ns(since_ns, *r.noncurrent_days);
    if (now_ns < due) return std::nullopt;
    return action(LifecycleAction::Kind::kExpireNoncurrent, key, v, r, due);
  }
  return std::nullopt;
}

}  // namespace

std::vector<LifecycleAction> plan_versions(const LifecycleConfiguration& config,
                                           const std::string& key,
                                           const std::vector<ObjectRecord>& versions,
                                           int64_t now_ns) {
  std::vector<LifecycleAction> out;
  if (versions.empty()) return out;
  const ObjectRecord& top = versions[0];
  if (!top.delete_marker) {
    auto e = current_expiration(config, key, top.tags, top.size, top.mtime_ns);
    if (e && now_ns >= e->date_ns) {
      LifecycleAction a{LifecycleAction::Kind::kExpireCurrent,
                        key,
                        top.seq,
                        top.version_id(),
                        e->rule_id,
                        e->date_ns,
                        top.size};
      out.push_back(std::move(a));
    }
  } else if (versions.size() == 1) {
    for (const auto& r : config.rules) {
      if (r.enabled && r.expired_object_delete_marker.value_or(false) &&
          r.filter.matches(key, {}, 0)) {
        out.push_back(action(LifecycleAction::Kind::kRemoveDeleteMarker, key, top, r, 0));
        break;
      }
    }
  }
  for (size_t i = 1; i < versions.size(); ++i) {
    auto a = plan_noncurrent(config, key, versions[i], i, versions[i - 1].mtime_ns, now_ns);
    if (a) out.push_back(std::move(*a));
  }
  return out;
}

std::optional<LifecycleAction> plan_upload(const LifecycleConfiguration& config,
                                           const std::string& key, const std::string& upload_id,
                                           const UploadRecord& upload, int64_t now_ns) {
  for (const auto& r : config.rules) {
    if (!r.enabled || !r.abort_days || !r.filter.matches(key, {}, 0)) continue;
    const int64_t due = lifecycle_due_ns(upload.initiated_ns, *r.abort_days);
    if (now_ns < due) return std::nullopt;
    return LifecycleAction{LifecycleAction::Kind::kAbortUpload, key, 0, upload_id, r.id, due, 0};
  }
  return std::nullopt;
}

}  // namespace skyarray::services
