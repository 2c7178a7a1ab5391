#include "analysis/import.hpp"
