// The kvsim subcommands. Each takes its arguments (without the command name), prints to
// stdout/stderr, and returns the process exit code: 0 success, 1 failure, 2 bad usage.
#pragma once
#include <string>
#include <vector>

namespace kvsim {

using Args = std::vector<std::string>;

int cmd_run(const Args& args);
int cmd_validate(const Args& args);
int cmd_info(const Args& args);
int cmd_predict(const Args& args);
int cmd_calibrate(const Args& args);
int cmd_validate_profile(const Args& args);
int cmd_cache_replay(const Args& args);
int cmd_fit(const Args& args);
int cmd_import_model(const Args& args);
int cmd_sweep(const Args& args);
int cmd_plan(const Args& args);

// Options and help: cli/options.h. Whole-file text I/O; write_text replaces the file atomically. Throw InputError naming the path.
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

}  // namespace kvsim
