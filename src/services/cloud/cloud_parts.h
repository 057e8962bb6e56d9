// CloudParts: what the cloud tier's components share, built once by
// CloudSync and handed to each (upload dispatcher, object uploader, journal
// uploader and follower, cache evictor, checkpoint writer, restore job): the
// runtime, the registry of targets and links, the object service, the
// upload queue, the pool of target clients and the counters. Each
// component keeps a copy; the references outlive them all (CloudSync owns
// the components, its owner the rest).
#pragma once

#include <memory>

namespace skyarray {
class Runtime;
}  // namespace skyarray

namespace skyarray::services {

class CloudCounters;
class CloudRegistry;
class CloudTargetPool;
class ObjectService;
class UploadQueue;

struct CloudParts {
  Runtime& rt;
  CloudRegistry& registry;
  ObjectService& objects;
  std::shared_ptr<UploadQueue> queue;
  std::shared_ptr<CloudTargetPool> pool;
  std::shared_ptr<CloudCounters> counters;
};

}  // namespace skyarray::services
