// fuzz_predict_request.cpp — libFuzzer harness for POST /api/predict's body parser (JSON reader
// included). Every input is either a request within the limits or an hw::ApiError with a 4xx.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "handwritten/app/lab_requests.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    try {
        const hw::PredictRequest r = hw::parse_predict_request(body);
        if (r.ink.size() != std::size_t(r.width) * std::size_t(r.height)) __builtin_trap();
        for (float x : r.ink)
            if (!(x >= 0.0f && x <= 1.0f)) __builtin_trap();
        if (!(r.temperature > 0) || !std::isfinite(r.temperature)) __builtin_trap();
    } catch (const hw::ApiError& e) {
        if (e.status < 400 || e.status > 499) __builtin_trap();
    }
    return 0;
}
