#pragma once
#include <cstdint>
#include <string>

namespace sluice::core {

// Per-worker generator of unique request ids: 32 hex chars from a random 64-bit prefix chosen at
// start and a counter. Not thread-safe by design: one per worker.
class RequestIdGenerator {
 public:
  explicit RequestIdGenerator(uint64_t seed);
  std::string Next();

 private:
  uint64_t prefix_;
  uint64_t counter_ = 0;
};

}  // namespace sluice::core
