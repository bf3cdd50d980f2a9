// lab_reply.hpp — JSON helpers shared by the lab's handlers (private to src/app/lab_*.cpp).
#pragma once
#include <cstddef>
#include <string>

#include "handwritten/app/lab_api.hpp"
#include "handwritten/report/json.hpp"

namespace hw {

// {"error": message, "status": status} with that status.
HttpReply json_error(int status, const std::string& message);
// An array of `count` values rounded to 4 decimals.
void write_rounded(JsonWriter& j, const float* values, std::size_t count);

}  // namespace hw
