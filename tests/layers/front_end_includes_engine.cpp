// Compiled by two targets of tests/CMakeLists.txt to show that the build holds the front ends to
// the public headers (KVSIM_FRONT_END_HEADERS, docs/architecture.md): against the library alone it
// compiles; checked as a front end, the build stops before compiling it.
#include "engine/replica.h"

int kvsim_front_end_probe() { return 0; }
