// stub: to be written
#include "core/dispatcher.h"
