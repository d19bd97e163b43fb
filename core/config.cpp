// stub: to be written
#include "core/config.h"
