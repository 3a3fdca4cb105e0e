#include "cli/options.h"

#include <boost/program_options.hpp>

#include <cmath>
#include <iostream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/excerpt.h"
#include "workload/text_number.h"

namespace po = boost::program_options;

namespace kvsim {

namespace {

// The hidden option that collects positional arguments; its name has a space, so no flag spells it.
const char* const kPositional = "positional argument";

// Boost's Unix style without prefix guessing: "--out" never matches "--output" by accident.
constexpr int kStyle = po::command_line_style::unix_style & ~po::command_line_style::allow_guessing;

constexpr unsigned kLineLength = 100;

}  // namespace

struct CommandLine::Impl {
  struct Option {
    std::string name;
    std::function<void(const std::string& flag, const std::string& value)> apply;
    bool required = false;
  };
  struct Positional {
    std::string name;
    std::string* one = nullptr;
    std::vector<std::string>* rest = nullptr;
    size_t min = 0;  // for `one`: 1 when required
  };

  std::string command;
  std::vector<std::string> synopses;
  std::string about, epilogue;
  po::options_description visible{"options", kLineLength, kLineLength / 2};
  std::vector<Option> options;
  std::vector<Positional> positionals;
  std::set<std::string> given;

  Option& find(const std::string& name) {
    for (Option& o : options)
      if (o.name == name) return o;
    throw std::logic_error("kvsim " + command + ": no option --" + name + " was declared");
  }

  void add_value(const std::string& name, const std::string& value_name, const std::string& help,
                 std::function<void(const std::string&, const std::string&)> apply) {
    visible.add_options()(name.c_str(), po::value<std::string>()->value_name(value_name), help.c_str());
    options.push_back({name, std::move(apply)});
  }

  // Whether `word` spells one of the command's flags ("--quiet", "--out=x", "-h").
  bool is_flag(const std::string& word) const {
    if (word == "-h" || word.rfind("--help", 0) == 0) return true;
    if (word.rfind("--", 0) != 0) return false;
    const size_t eq = word.find('=');
    const std::string name = word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    for (const Option& o : options)
      if (o.name == name) return true;
    return false;
  }

  std::string see_help() const { return " (see kvsim " + command + " --help)"; }

  // What is missing (or nothing, when no argument was given), then the usage lines: exit 2.
  int usage_error(const std::string& missing, const std::string& usage) const {
    if (!missing.empty()) std::cerr << "kvsim " << command << ": missing " << missing << "\n";
    std::cerr << usage << "(kvsim " << command << " --help describes every option)\n";
    return 2;
  }
};

CommandLine::CommandLine(std::string command, std::vector<std::string> synopses, std::string about)
    : impl_(std::make_unique<Impl>()) {
  impl_->command = std::move(command);
  impl_->synopses = std::move(synopses);
  impl_->about = std::move(about);
  impl_->visible.add_options()("help,h", po::bool_switch(), "print this help");
}

CommandLine::~CommandLine() = default;

CommandLine& CommandLine::flag(const std::string& name, bool& target, const std::string& help) {
  impl_->visible.add_options()(name.c_str(), po::bool_switch(), help.c_str());
  impl_->options.push_back({name, [&target](const std::string&, const std::string&) { target = true; }});
  return *this;
}

CommandLine& CommandLine::text(const std::string& name, std::string& target, const std::string& value_name,
                               const std::string& help) {
  impl_->add_value(name, value_name, help, [&target](const std::string&, const std::string& v) { target = v; });
  return *this;
}

CommandLine& CommandLine::texts(const std::string& name, std::vector<std::string>& target,
                                const std::string& value_name, const std::string& help) {
  impl_->add_value(name, value_name, help,
                   [&target](const std::string&, const std::string& v) { target.push_back(v); });
  return *this;
}

CommandLine& CommandLine::integer(const std::string& name, uint64_t& target, uint64_t min, uint64_t max,
                                  const std::string& value_name, const std::string& help) {
  impl_->add_value(name, value_name, help, [&target, min, max](const std::string& flag, const std::string& v) {
    target = parse_integer(flag, v, min, max);
  });
  return *this;
}

CommandLine& CommandLine::number(const std::string& name, double& target, double min, double max,
                                 const std::string& value_name, const std::string& help) {
  impl_->add_value(name, value_name, help, [&target, min, max](const std::string& flag, const std::string& v) {
    target = parse_number(flag, v, min, max);
  });
  return *this;
}

CommandLine& CommandLine::custom(const std::string& name, const std::string& value_name, const std::string& help,
                                 std::function<void(const std::string& flag, const std::string& value)> apply) {
  impl_->add_value(name, value_name, help, std::move(apply));
  return *this;
}

CommandLine& CommandLine::required(const std::string& name) {
  impl_->find(name).required = true;
  return *this;
}

CommandLine& CommandLine::positional(const std::string& name, std::string& target, bool required) {
  impl_->positionals.push_back({name, &target, nullptr, required ? 1u : 0u});
  return *this;
}

CommandLine& CommandLine::positionals(const std::string& name, std::vector<std::string>& target, size_t min) {
  impl_->positionals.push_back({name, nullptr, &target, min});
  return *this;
}

CommandLine& CommandLine::epilogue(std::string text) {
  impl_->epilogue = std::move(text);
  return *this;
}

std::string CommandLine::usage() const {
  // A synopsis that starts with a space continues the one above, aligned after "kvsim COMMAND ".
  const std::string lead = "kvsim " + impl_->command + " ";
  std::string s;
  for (const std::string& line : impl_->synopses) {
    const bool continued = !line.empty() && line[0] == ' ';
    s += s.empty() ? "usage: " : "       ";
    s += continued ? std::string(lead.size(), ' ') + line.substr(line.find_first_not_of(' ')) : lead + line;
    s += "\n";
  }
  return s;
}

std::string CommandLine::help() const {
  std::ostringstream s;
  s << usage();
  if (!impl_->about.empty()) s << "\n" << impl_->about << (impl_->about.back() == '\n' ? "" : "\n");
  s << "\n" << impl_->visible;
  if (!impl_->epilogue.empty()) s << impl_->epilogue << (impl_->epilogue.back() == '\n' ? "" : "\n");
  return s.str();
}

bool CommandLine::given(const std::string& name) const { return impl_->given.count(name) > 0; }

std::optional<int> CommandLine::parse(const Args& args) {
  Impl& m = *impl_;
  for (const std::string& a : args)
    if (a == "--help" || a == "-h") {
      std::cout << help();
      return 0;
    }
  if (args.empty()) return m.usage_error("", usage());

  po::options_description all;
  all.add(m.visible);
  all.add_options()(kPositional, po::value<std::vector<std::string>>(), "");
  po::positional_options_description words_anywhere;
  words_anywhere.add(kPositional, -1);
  std::vector<po::option> parsed;
  try {
    parsed = po::command_line_parser(args).options(all).positional(words_anywhere).style(kStyle).run().options;
  } catch (const po::unknown_option& e) {
    throw InputError("unknown flag " + e.get_option_name() + m.see_help());
  } catch (const po::invalid_command_line_syntax& e) {
    if (e.kind() == po::invalid_command_line_syntax::missing_parameter)
      throw InputError(e.get_option_name() + " needs a value" + m.see_help());
    if (e.kind() == po::invalid_command_line_syntax::extra_parameter)
      throw InputError(e.get_option_name() + " takes no value" + m.see_help());
    throw InputError(std::string(e.what()) + m.see_help());
  } catch (const po::error& e) {
    throw InputError(std::string(e.what()) + m.see_help());
  }

  m.given.clear();
  std::vector<std::string> words;
  for (const po::option& o : parsed) {
    if (o.string_key == kPositional) {
      words.insert(words.end(), o.value.begin(), o.value.end());
      continue;
    }
    if (o.string_key == "help") continue;
    // "--out --quiet": Boost takes the next word as the value, even a flag of this command.
    if (o.original_tokens.size() == 2 && m.is_flag(o.original_tokens[1]))
      throw InputError("--" + o.string_key + " needs a value" + m.see_help());
    m.given.insert(o.string_key);
    m.find(o.string_key).apply("--" + o.string_key, o.value.empty() ? std::string() : o.value.front());
  }
  size_t next = 0;
  for (const Impl::Positional& p : m.positionals) {
    if (p.one) {
      if (next < words.size()) *p.one = words[next++];
      else if (p.min > 0) return m.usage_error(p.name, usage());
    } else {
      const size_t first = next;
      while (next < words.size()) p.rest->push_back(words[next++]);
      if (next - first < p.min) return m.usage_error(p.name, usage());
    }
  }
  if (next < words.size()) throw InputError("unexpected argument " + quoted_excerpt(words[next]) + m.see_help());
  for (const Impl::Option& o : m.options)
    if (o.required && !m.given.count(o.name)) return m.usage_error("--" + o.name, usage());
  return std::nullopt;
}

namespace {

// The whole text as a finite number, or nullopt.
std::optional<double> read_number(const std::string& text) {
  size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

double parse_number(const std::string& flag, const std::string& text, double min, double max) {
  const std::optional<double> v = read_number(text);
  if (!v || *v < min || *v > max)
    throw InputError(flag + " " + quoted_excerpt(text) + ": expected a number in [" + format_number(min) + ", " +
                     format_number(max) + "]");
  return *v;
}

uint64_t parse_integer(const std::string& flag, const std::string& text, uint64_t min, uint64_t max) {
  const std::optional<double> v = read_number(text);
  if (!v || *v != std::floor(*v) || *v < static_cast<double>(min) || *v > static_cast<double>(max))
    throw InputError(flag + " " + quoted_excerpt(text) + ": expected an integer in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
  return static_cast<uint64_t>(*v);
}

}  // namespace kvsim
