#include "api/json_fields.h"

#include <cstdint>

namespace sluice::api {

namespace json = boost::json;
using core::ErrorCode;
using core::GatewayError;

std::string FieldPath(std::string_view base, std::string_view name) {
  return std::string(base) + "." + std::string(name);
}

std::string IndexPath(std::string_view base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

bool InvalidField(GatewayError& error, std::string param, std::string_view what) {
  std::string message = "'" + param + "' " + std::string(what);
  error = GatewayError{ErrorCode::kCallerInvalidRequest, std::move(message), std::move(param)};
  return false;
}

bool UnsupportedField(GatewayError& error, std::string param, std::string_view why) {
  std::string message = "'" + param + "' " + std::string(why);
  error = GatewayError{ErrorCode::kCallerUnsupportedFeature, std::move(message), std::move(param)};
  return false;
}

bool ReadString(const json::object& o, std::string_view key, const std::string& param,
                std::string& out, GatewayError& error) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return InvalidField(error, param, "must be a string");
  out = v->get_string();
  return true;
}

bool ReadBool(const json::object& o, std::string_view key, const std::string& param,
              std::optional<bool>& out, GatewayError& error) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_bool()) return InvalidField(error, param, "must be a boolean");
  out = v->get_bool();
  return true;
}

bool ReadNumber(const json::object& o, std::string_view key, const std::string& param,
                std::optional<double>& out, GatewayError& error) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (v->is_double())
    out = v->get_double();
  else if (v->is_int64())
    out = static_cast<double>(v->get_int64());
  else if (v->is_uint64())
    out = static_cast<double>(v->get_uint64());
  else
    return InvalidField(error, param, "must be a number");
  return true;
}

bool ReadInt(const json::object& o, std::string_view key, const std::string& param,
             std::optional<int64_t>& out, GatewayError& error) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (v->is_int64())
    out = v->get_int64();
  else if (v->is_uint64() && v->get_uint64() <= INT64_MAX)
    out = static_cast<int64_t>(v->get_uint64());
  else
    return InvalidField(error, param, "must be an integer");
  return true;
}

std::string_view StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

uint64_t UintAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() > 0) return static_cast<uint64_t>(v->get_int64());
  // A double beyond uint64_t's range would make the cast undefined: saturate.
  if (v->is_double() && v->get_double() > 0)
    return v->get_double() < 18446744073709551616.0 ? static_cast<uint64_t>(v->get_double())
                                                    : UINT64_MAX;
  return 0;
}

const json::object* ObjectAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* ArrayAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

bool SplitDataUrl(std::string_view url, std::string& media_type, std::string& data) {
  if (!url.starts_with("data:")) return false;
  size_t comma = url.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view meta = url.substr(5, comma - 5);
  constexpr std::string_view kBase64 = ";base64";
  if (!meta.ends_with(kBase64)) return false;
  media_type = meta.substr(0, meta.size() - kBase64.size());
  data = url.substr(comma + 1);
  return !media_type.empty();
}

}  // namespace sluice::api
