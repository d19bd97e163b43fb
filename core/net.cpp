// stub: to be written
#include "core/net.h"
