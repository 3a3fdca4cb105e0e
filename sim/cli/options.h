// One parser and one help style for every kvsim command, on Boost.Program_options.
//
// A command declares its options and positional arguments on a CommandLine, then parses:
//
//   std::string path, out;
//   bool quiet = false;
//   CommandLine cl("run", {"SCENARIO.json [--out DIR] [--quiet]"}, "Simulates the scenario ...");
//   cl.positional("SCENARIO.json", path)
//       .text("out", out, "DIR", "output folder (created if missing)")
//       .flag("quiet", quiet, "no progress line on stderr");
//   if (auto rc = cl.parse(args)) return *rc;  // --help printed (0), or a usage error (2)
//
// Values are applied in command-line order, so a repeated single-value flag keeps its last value.
// Exit codes and messages are the same for every command:
// - `--help` or `-h` anywhere: the help on stdout, exit 0;
// - no arguments at all, a required positional argument or a required option missing: what is
//   missing and the usage lines on stderr, exit 2;
// - an unknown flag, a flag without its value, a bad number, an extra argument: InputError (exit 1
//   through main), whose message names the flag and what was expected.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace kvsim {

class CommandLine {
 public:
  // `command` as typed after "kvsim" ("run", "sweep merge"); `synopses` the usage lines without
  // "kvsim COMMAND" (one that starts with a space continues the line above); `about` the paragraphs printed between the usage lines and the options.
  CommandLine(std::string command, std::vector<std::string> synopses, std::string about);
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // Options, by their long name without the dashes. `help` is the description in the table.
  CommandLine& flag(const std::string& name, bool& target, const std::string& help);
  CommandLine& text(const std::string& name, std::string& target, const std::string& value_name,
                    const std::string& help);
  // Repeatable: each occurrence appends its value.
  CommandLine& texts(const std::string& name, std::vector<std::string>& target, const std::string& value_name,
                     const std::string& help);
  // A whole number in [min, max] / a finite number in [min, max] (parse_integer / parse_number).
  CommandLine& integer(const std::string& name, uint64_t& target, uint64_t min, uint64_t max,
                       const std::string& value_name, const std::string& help);
  CommandLine& number(const std::string& name, double& target, double min, double max, const std::string& value_name,
                      const std::string& help);
  // Any other conversion: `apply(flag, value)` stores the value or throws InputError naming `flag`
  // ("--tiers"); called in command-line order.
  CommandLine& custom(const std::string& name, const std::string& value_name, const std::string& help,
                      std::function<void(const std::string& flag, const std::string& value)> apply);
  // The option must be given, else a usage error (exit 2).
  CommandLine& required(const std::string& name);

  // Positional arguments, in order. `positional` takes one (required unless said otherwise);
  // `positionals` takes all that remain, at least `min` of them.
  CommandLine& positional(const std::string& name, std::string& target, bool required = true);
  CommandLine& positionals(const std::string& name, std::vector<std::string>& target, size_t min = 1);

  // Text printed after the options table.
  CommandLine& epilogue(std::string text);

  // Parses `args` (without the command's name). std::nullopt: go on with the command; otherwise
  // the command returns this exit code at once (see the top of this file). Throws InputError.
  std::optional<int> parse(const Args& args);

  // Whether the option appeared on the command line (after parse).
  bool given(const std::string& name) const;

  std::string help() const;   // usage lines, about, the options table, epilogue
  std::string usage() const;  // the usage lines alone

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Number conversions with the one message style of the command line:
//   --block-size "0.5": expected an integer in [1, 1048576]
// `flag` is the flag as typed ("--ttl-s"); the text must be all number.
double parse_number(const std::string& flag, const std::string& text, double min, double max);
uint64_t parse_integer(const std::string& flag, const std::string& text, uint64_t min, uint64_t max);

}  // namespace kvsim
