#include "core/json_parse.h"

#include <boost/json/parser.hpp>

namespace sluice::core {

const boost::json::parse_options& JsonParseOptions() {
  static const boost::json::parse_options kOptions = [] {
    boost::json::parse_options o;
    o.max_depth = 64;
    return o;
  }();
  return kOptions;
}

boost::json::value ParseJson(std::string_view text, boost::json::storage_ptr storage,
                             boost::system::error_code& ec) {
  thread_local boost::json::parser parser({}, JsonParseOptions());
  parser.reset(std::move(storage));
  parser.write(text.data(), text.size(), ec);  // a complete text: trailing bytes are an error
  if (ec) {
    parser.reset();  // drop the partial result now, not at the next call
    return nullptr;
  }
  return parser.release();
}

}  // namespace sluice::core
