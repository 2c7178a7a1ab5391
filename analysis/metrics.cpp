#include "analysis/metrics.hpp"
