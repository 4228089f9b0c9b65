#pragma once
// How an upstream's HTTP error becomes one of our error codes (DESIGN.md §1 taxonomy), and the
// message the client sees. Shared by every provider adapter.
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluice::providers {

// Code for a non-2xx upstream status. Provider 4xx that are the caller's fault keep their status
// (GatewayError::status) so clients see e.g. 400 or 422 as the provider meant it.
core::GatewayError ClassifyUpstreamStatus(int status, std::string_view provider,
                                          std::string_view body);

// The upstream's own error message if the body is an OpenAI- or Anthropic-style error, else a
// short printable excerpt of the body.
std::string UpstreamErrorMessage(std::string_view body);

}  // namespace sluice::providers
