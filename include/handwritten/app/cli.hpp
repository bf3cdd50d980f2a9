// cli.hpp — the command-line parser every chapter binary uses.
//
// Each option is bound to a variable that already holds its default, so `--help` can show the
// defaults and main() reads like a list of settings:
//
//     int epochs = 5;  float lr = 0.1f;  std::string init = "uniform";
//     hw::Cli cli("09-sigmoid-network", "Train a 784-H-10 sigmoid network one sample at a time.");
//     cli.option("--epochs", epochs, "passes over the training set")
//        .option("--lr", lr, "learning rate")
//        .choice("--init", init, {"uniform", "normal"}, "weight initialisation");
//     cli.parse(argc, argv);
//     cli.check(lr > 0, "--lr must be positive");
//
// Accepted forms: `--name value` and `--name=value`. `--help`/`-h` prints the usage and exits 0.
// Anything wrong (unknown flag, missing or malformed value, failed check) prints one line
// "PROGRAM: error: ..." plus a hint to stderr and exits with status 2.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "handwritten/core/number_list.hpp"  // parse_int_list for the callers of --layers

namespace hw {

class Cli {
public:
    Cli(std::string program, std::string summary);

    Cli& flag(const std::string& name, bool& target, const std::string& help);  // no value
    Cli& option(const std::string& name, int& target, const std::string& help);
    Cli& option(const std::string& name, long& target, const std::string& help);
    Cli& option(const std::string& name, float& target, const std::string& help);
    Cli& option(const std::string& name, double& target, const std::string& help);
    Cli& option(const std::string& name, std::string& target, const std::string& help);
    Cli& choice(const std::string& name, std::string& target, std::vector<std::string> choices,
                const std::string& help);
    // Any other kind of option: `assign` parses the text (false when malformed), `value_hint`
    // and `default_text` are what --help shows. hw::FlagTable registers its rows this way.
    Cli& custom(const std::string& name, const std::string& value_hint, const std::string& default_text,
                const std::string& help, std::function<bool(const std::string&)> assign, bool takes_value = true);
    // Free text after the option list in --help (examples, environment variables).
    Cli& epilog(const std::string& text);

    void parse(int argc, char** argv);
    // After parse: reject a combination of values. Prints the error and exits 2 when !ok.
    void check(bool ok, const std::string& message) const;
    // True when the option was given on the command line (not left at its default).
    bool given(const std::string& name) const;

    [[noreturn]] void fail(const std::string& message) const;
    std::string usage() const;

private:
    struct Option {
        std::string name, help, default_text, value_hint;
        bool takes_value = true;
        bool seen = false;
        std::function<bool(const std::string&)> assign;  // false when the value is malformed
    };
    Cli& add(Option opt);
    Option* find(const std::string& name);

    std::string program_, summary_, epilog_;
    std::vector<Option> options_;
};

}  // namespace hw
