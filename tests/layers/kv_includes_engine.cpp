// Compiled by two targets of tests/CMakeLists.txt to show that the build enforces the layers of
// docs/architecture.md: linked to kvsim_engine it compiles; linked to kvsim_kv only (a layer below
// the engine) it must not, as sim/kv/ may not know the engine.
#include "engine/request.h"

int kvsim_layer_probe() { return 0; }
