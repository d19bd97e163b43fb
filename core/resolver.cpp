// stub: to be written
#include "core/resolver.h"
