// Timers of background work, on the calling coroutine's
// event loop (the cloud tier's CheckpointWriter, CacheEvictor, JournalUploader and
// JournalFollower, and the lifecycle worker, run their passes with run_periodically()).
#pragma once

#include <chrono>
#include <functional>

#include "common/async.h"

namespace skyarray {
class Runtime;
}

namespace skyarray {

Task<void> sleep_until(std::chrono::steady_clock::time_point t);
Task<void> sleep_for(std::chrono::steady_clock::duration d);

// Runs `pass` every `interval_seconds` until the runtime stops: the first
// run one interval after the call, each next one an interval after the
// previous one started, or as soon as it ends when it ran longer (passes
// never overlap).
Task<void> run_periodically(Runtime& rt, double interval_seconds, std::function<Task<void>()> pass);

}  // namespace skyarray
