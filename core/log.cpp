// stub: to be written
#include "core/log.h"
