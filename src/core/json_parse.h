#pragma once
// JSON parsing through one reusable parser per thread: a fresh boost::json::parser allocates its
// internal stack on every call, which showed up on the request path. Depth is limited (64) so
// hostile nesting is an error, not deep recursion.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <string_view>

namespace sluice::core {

// Parses one complete JSON text; the result's memory comes from `storage`.
boost::json::value ParseJson(std::string_view text, boost::json::storage_ptr storage,
                             boost::system::error_code& ec);

}  // namespace sluice::core
