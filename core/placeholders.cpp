// stub: to be written
#include "core/placeholders.h"
