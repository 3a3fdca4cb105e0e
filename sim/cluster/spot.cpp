#include "cluster/spot.h"

namespace kvsim {

const char* price_class_name(PriceClass c) { return c == PriceClass::kSpot ? "spot" : "on_demand"; }

}  // namespace kvsim
