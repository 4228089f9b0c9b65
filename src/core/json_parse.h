#pragma once
// JSON parsing through one reusable parser per thread: a fresh boost::json::parser allocates its
// internal stack on every call, which showed up on the request path. Depth is limited (64) so
// hostile nesting is an error, not deep recursion.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string_view>

namespace sluice::core {

// The options every parse uses: standard JSON, depth limited to 64.
const boost::json::parse_options& JsonParseOptions();

// Parses one complete JSON text; the result's memory comes from `storage`.
boost::json::value ParseJson(std::string_view text, boost::json::storage_ptr storage,
                             boost::system::error_code& ec);

// Memory for parsing one stream event after another. A DOM built with the default allocator costs a
// heap allocation per object, array and long string, on every event; this arena hands out memory
// from a buffer it owns and takes it all back at the next Reset (spilling to the heap only for
// events larger than the buffer). Values parsed into it must be gone before the next Reset.
class JsonArena {
 public:
  JsonArena() : resource_(buffer_, sizeof buffer_) {}
  JsonArena(const JsonArena&) = delete;
  JsonArena& operator=(const JsonArena&) = delete;
  // Frees what the previous event used; the storage for the next one.
  boost::json::storage_ptr Reset() {
    resource_.release();
    return boost::json::storage_ptr(&resource_);  // not owning; deallocation is a no-op
  }

 private:
  alignas(std::max_align_t) unsigned char buffer_[4096];
  boost::json::monotonic_resource resource_;
};

}  // namespace sluice::core
