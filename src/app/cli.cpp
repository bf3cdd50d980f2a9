#include "handwritten/app/cli.hpp"
#include "handwritten/core/number_list.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace hw {

Cli::Cli(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

Cli& Cli::add(Option opt) {
    options_.push_back(std::move(opt));
    return *this;
}

Cli& Cli::flag(const std::string& name, bool& target, const std::string& help) {
    return add({name, help, "", "", false, false, [&target](const std::string&) {
                    target = true;
                    return true;
                }});
}

#define HW_NUMERIC_OPTION(T, HINT)                                                         \
    Cli& Cli::option(const std::string& name, T& target, const std::string& help) {       \
        return add({name, help, number_text(target), HINT, true, false,                        \
                    [&target](const std::string& v) { return parse_number(v, target); }}); \
    }
HW_NUMERIC_OPTION(int, "N")
HW_NUMERIC_OPTION(long, "N")
HW_NUMERIC_OPTION(float, "X")
HW_NUMERIC_OPTION(double, "X")
#undef HW_NUMERIC_OPTION

Cli& Cli::option(const std::string& name, std::string& target, const std::string& help) {
    return add({name, help, target, "TEXT", true, false, [&target](const std::string& v) {
                    target = v;
                    return true;
                }});
}

Cli& Cli::choice(const std::string& name, std::string& target, std::vector<std::string> choices,
                 const std::string& help) {
    std::string hint;
    for (const auto& c : choices) hint += (hint.empty() ? "" : "|") + c;
    return add({name, help, target, hint, true, false,
                [&target, choices](const std::string& v) {
                    for (const auto& c : choices)
                        if (v == c) {
                            target = v;
                            return true;
                        }
                    return false;
                }});
}

Cli& Cli::custom(const std::string& name, const std::string& value_hint, const std::string& default_text,
                 const std::string& help, std::function<bool(const std::string&)> assign, bool takes_value) {
    return add({name, help, takes_value ? default_text : "", value_hint, takes_value, false, std::move(assign)});
}

Cli& Cli::epilog(const std::string& text) {
    epilog_ = text;
    return *this;
}

Cli::Option* Cli::find(const std::string& name) {
    for (auto& o : options_)
        if (o.name == name) return &o;
    return nullptr;
}

std::string Cli::usage() const {
    std::ostringstream os;
    os << "Usage: " << program_ << " [options]\n" << summary_ << "\n\nOptions:\n";
    auto line = [&os](const std::string& left, const std::string& help) {
        os << left << std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') << help;
    };
    for (const auto& o : options_) {
        line("  " + o.name + (o.takes_value ? " " + o.value_hint : ""), o.help);
        if (o.takes_value && !o.default_text.empty()) os << " (default: " << o.default_text << ")";
        os << "\n";
    }
    line("  --help, -h", "show this help and exit\n");
    if (!epilog_.empty()) os << "\n" << epilog_ << "\n";
    return os.str();
}

void Cli::fail(const std::string& message) const {
    std::cerr << program_ << ": error: " << message << "\nTry '" << program_ << " --help'.\n";
    std::exit(2);
}

void Cli::check(bool ok, const std::string& message) const {
    if (!ok) fail(message);
}

bool Cli::given(const std::string& name) const {
    for (const auto& o : options_)
        if (o.name == name) return o.seen;
    return false;
}

void Cli::parse(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage();
            std::exit(0);
        }
        std::string name = arg, value;
        bool inline_value = false;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            inline_value = true;
        }
        Option* opt = find(name);
        if (!opt) fail("unknown option '" + name + "'");
        if (opt->takes_value) {
            if (!inline_value) {
                if (i + 1 >= argc) fail("option " + name + " needs a value (" + opt->value_hint + ")");
                value = argv[++i];
            }
            if (!opt->assign(value))
                fail("bad value '" + value + "' for " + name + " (expected " + opt->value_hint + ")");
        } else {
            if (inline_value) fail("option " + name + " takes no value");
            opt->assign("");
        }
        opt->seen = true;
    }
}


}  // namespace hw
