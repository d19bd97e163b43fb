// stub: to be written
#include "core/settings.h"
