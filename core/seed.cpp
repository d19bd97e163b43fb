// stub: to be written
#include "core/seed.h"
