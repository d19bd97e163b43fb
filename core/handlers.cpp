// stub: to be written
#include "core/handlers.h"
