#pragma once
// What the boost::json SAX handlers that scan hot-path JSON without a DOM share (openai_stream.cc,
// openai_chat_adapter.cc): the size limits, those of the DOM so that the same texts are accepted,
// the events no scan looks at, and the assembly of a key that arrives in parts.
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::core {

struct JsonSaxDefaults {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

// A key as on_key_part / on_key deliver it: `n` is the key's size so far, this piece included.
class JsonSaxKey {
 public:
  void Part(boost::json::string_view s, std::size_t n) {
    if (n == s.size()) key_.clear();  // the first part
    key_.append(s.data(), s.size());
  }
  // The whole key, given its last piece: that piece itself when it is the only one.
  std::string_view Last(boost::json::string_view s, std::size_t n) {
    if (n == s.size()) return std::string_view(s.data(), s.size());
    key_.append(s.data(), s.size());
    return key_;
  }

 private:
  std::string key_;  // the parts so far
};

}  // namespace sluice::core
