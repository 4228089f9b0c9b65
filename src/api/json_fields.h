#pragma once
// Typed reads of optional request fields, for the dialect decoders. Each Read* leaves `out` alone
// when the field is absent, fills it when the type is right, and otherwise sets a
// caller_invalid_request error naming the field and returns false.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluice::api {

// Names of request fields in error messages: "messages[2].content".
std::string FieldPath(std::string_view base, std::string_view name);
std::string IndexPath(std::string_view base, size_t i);

bool InvalidField(core::GatewayError& error, std::string param, std::string_view what);
bool UnsupportedField(core::GatewayError& error, std::string param, std::string_view why);

bool ReadString(const boost::json::object& o, std::string_view key, const std::string& param,
                std::string& out, core::GatewayError& error);
bool ReadBool(const boost::json::object& o, std::string_view key, const std::string& param,
              std::optional<bool>& out, core::GatewayError& error);
bool ReadNumber(const boost::json::object& o, std::string_view key, const std::string& param,
                std::optional<double>& out, core::GatewayError& error);
bool ReadInt(const boost::json::object& o, std::string_view key, const std::string& param,
             std::optional<int64_t>& out, core::GatewayError& error);

// The string at `key`, or empty when absent or not a string (for reading upstream answers).
std::string_view StringAt(const boost::json::object& o, std::string_view key);
// The non-negative integer at `key`, or 0.
uint64_t UintAt(const boost::json::object& o, std::string_view key);
const boost::json::object* ObjectAt(const boost::json::object& o, std::string_view key);
const boost::json::array* ArrayAt(const boost::json::object& o, std::string_view key);

// "data:image/png;base64,AAAA" → media type and base64 payload. False if not such a URL.
bool SplitDataUrl(std::string_view url, std::string& media_type, std::string& data);

}  // namespace sluice::api
