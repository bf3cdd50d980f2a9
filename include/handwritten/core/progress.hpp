// progress.hpp — a terminal progress bar with rate and ETA for long loops.
//
//   epoch 2/5 [##############------]  42000/60000  61.3k samples/s  ETA 0.3s  loss 0.081
//
// On a terminal it redraws one line in place (at most ~10 times a second, so it costs nothing
// in a training loop). When stderr is not a terminal (CI logs, pipes) it stays silent until
// finish(), which prints the final line once. HW_PROGRESS=0 silences it entirely.
#pragma once
#include <cstddef>
#include <iosfwd>
#include <string>

#include "handwritten/core/timer.hpp"

namespace hw {

class ProgressBar {
public:
    ProgressBar(std::string label, std::size_t total, std::string unit = "items");
    // Cheap to call every iteration: it only draws when enough time has passed.
    void update(std::size_t done, const std::string& suffix = "");
    // Draws the final state and ends the line. Returns the elapsed seconds.
    double finish(const std::string& suffix = "");

private:
    void draw(std::size_t done, const std::string& suffix, bool final_line);

    std::string label_, unit_;
    std::size_t total_;
    bool interactive_, enabled_;
    double last_draw_ = -1.0;
    Stopwatch clock_;
};

// "61.3k", "1.20M" — a rate or count short enough for a progress line.
std::string human_count(double value);
// "0.3s", "2m05s", "1h02m".
std::string human_seconds(double seconds);

}  // namespace hw
