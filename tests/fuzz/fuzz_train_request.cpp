// fuzz_train_request.cpp — libFuzzer harness for POST /api/train's body parser. Every input is
// either settings inside hw::TrainLimits or an hw::ApiError with a 4xx status.
#include <cstdint>
#include <string_view>

#include "handwritten/app/lab_requests.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const hw::TrainLimits limits;
    try {
        const hw::TrainRequest r = hw::parse_train_request(body, limits);
        if (r.hidden.empty() || int(r.hidden.size()) > limits.max_hidden_layers) __builtin_trap();
        for (int units : r.hidden)
            if (units < 1 || units > limits.max_hidden_units) __builtin_trap();
        if (r.epochs < 1 || r.epochs > limits.max_epochs) __builtin_trap();
        if (r.batch < limits.min_batch || r.batch > limits.max_batch) __builtin_trap();
        if (!(r.lr > 0 && r.lr <= limits.max_lr)) __builtin_trap();
        if (r.limit < limits.min_limit || r.limit > limits.max_limit) __builtin_trap();
    } catch (const hw::ApiError& e) {
        if (e.status < 400 || e.status > 499) __builtin_trap();
    }
    return 0;
}
