// The chemistry parameters are read and validated in params/ (params/chemistry.hpp); the model layer
// uses them from there. Kept so model code includes its parameters by the model's name.
#pragma once

#include "params/chemistry.hpp"
