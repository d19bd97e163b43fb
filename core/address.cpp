// stub: to be written
#include "core/address.h"
