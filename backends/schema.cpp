// stub: to be written
#include "backends/schema.h"
