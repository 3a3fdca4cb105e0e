// The GUI reads and saves results folders with the library's module (run/output_folder.h:
// kSummaryFile, read_timeseries_csv, copy_results_folder, ...), so a folder it saves is byte for
// byte what `kvsim run --out` writes and one it opens is read by the same code.
#pragma once
#include "run/output_folder.h"
